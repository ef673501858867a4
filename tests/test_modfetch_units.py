"""The pieces of the module downloader without a network: Terraform's version constraints,
source addresses as Terraform reads them, and archive extraction (README "Remote modules")."""

from __future__ import annotations

from pathlib import Path

import pytest
from modfetch_support import tar_gz, zip_bytes

from policyguard.modfetch.sources import Archive, Git, HttpIndirect, Registry, SourceError, parse_getter, parse_source
from policyguard.modfetch.transport import Budget, FetchError, extract
from policyguard.modfetch.versions import VersionError, newest_match

AVAILABLE = ["0.9.0", "1.0.0", "1.2.0", "1.2.7", "1.3.0", "2.0.0", "2.1.0-beta1", "2.1.0-rc.1", "not-a-version"]


@pytest.mark.parametrize(("constraint", "picked"), [
    ("", "2.0.0"),
    ("1.2.0", "1.2.0"),
    ("= 1.2.0", "1.2.0"),
    ("!= 2.0.0", "1.3.0"),
    ("> 1.2.7", "2.0.0"),
    (">= 1.2.7, < 1.3", "1.2.7"),
    ("<= 1.2.0", "1.2.0"),
    ("< 1.0.0", "0.9.0"),
    ("~> 1.2", "1.3.0"),      # >= 1.2, < 2.0
    ("~> 1.2.0", "1.2.7"),    # >= 1.2.0, < 1.3.0
    ("~> 1", "2.0.0"),        # go-version: the only written segment may grow
    ("~> 2.1", None),         # 2.1.0 pre-releases are not 2.1
    ("2.1.0-beta1", "2.1.0-beta1"),
    (">= 2.1.0-beta1", None),  # a pre-release is picked only when named exactly
    ("v1.3.0", "1.3.0"),
    ("~> 9", None),
])
def test_constraints(constraint: str, picked: str | None) -> None:
    assert newest_match(AVAILABLE, constraint) == picked


@pytest.mark.parametrize("bad", ["~> ", ">= 1.x", "1.0,,2.0", "=> 1.0"])
def test_malformed_constraints(bad: str) -> None:
    with pytest.raises(VersionError):
        newest_match(AVAILABLE, bad)


def test_sources() -> None:
    assert parse_source("hashicorp/consul/aws") == Registry("registry.terraform.io", "hashicorp", "consul", "aws")
    assert parse_source("app.example.com/org/vpc/aws//modules/a") == Registry("app.example.com", "org", "vpc", "aws", "modules/a")
    assert parse_source("github.com/org/repo//sub?ref=v1") == Git("https://github.com/org/repo.git", "v1", "sub")
    assert parse_source("git::https://h/r.git//a/b?ref=main") == Git("https://h/r.git", "main", "a/b")
    assert parse_source("https://h/x.tgz//m") == Archive("https://h/x.tgz", "tar.gz", "m")
    assert parse_source("https://h/dl?archive=zip&token=1") == Archive("https://h/dl?token=1", "zip")
    assert parse_source("https://h/mod") == HttpIndirect("https://h/mod")
    # X-Terraform-Get locations are relative to the download URL
    base = "https://r.example/v1/modules/a/b/c/1.0.0/download"
    assert parse_getter("../x.zip//m", base) == Archive("https://r.example/v1/modules/a/b/c/x.zip", "zip", "m")
    assert parse_getter("/files/x.tar.gz", base) == Archive("https://r.example/files/x.tar.gz", "tar.gz")


@pytest.mark.parametrize(("source", "why"), [
    ("s3::https://b.s3.amazonaws.com/m.zip", "s3::"),
    ("git@github.com:org/repo.git", "ssh"),
    ("http://h/x.zip", "only https"),
    ("file::/etc", "file::"),
    ("hashicorp/consul/aws//../../x", "leaves the module package"),
    ("git::https://h/r.git?ref=--upload-pack=touch", "is not a ref"),
    ("https://user:pw@h/x.zip", "credentials"),
])
def test_refused_sources(source: str, why: str) -> None:
    with pytest.raises(SourceError, match=why.replace("(", r"\(")):
        parse_source(source)


def _budget(max_bytes: int = 1 << 20, max_files: int = 100) -> Budget:
    import time

    return Budget(time.monotonic() + 30, 5, max_bytes, max_files)


def test_links_that_stay_inside_are_kept(tmp_path: Path) -> None:
    blob = tmp_path / "a.tgz"
    blob.write_bytes(tar_gz({"m/main.tf": b"x", "m/alias.tf": ("symlink", "main.tf"), "m/copy.tf": ("hardlink", "m/main.tf")}))
    extract(blob, "tar.gz", tmp_path / "out", _budget())
    assert (tmp_path / "out" / "m" / "alias.tf").is_symlink() and (tmp_path / "out" / "m" / "copy.tf").read_bytes() == b"x"


def test_a_write_never_goes_through_a_link(tmp_path: Path) -> None:
    """A link to a directory followed by a file under it: the link is made last, so the file is
    a plain directory entry and nothing is written where the link points."""
    victim = tmp_path / "victim"
    victim.mkdir()
    blob = tmp_path / "a.tgz"
    blob.write_bytes(tar_gz({"d": ("symlink", "."), "d/x.tf": b"x"}))
    with pytest.raises(FetchError):
        extract(blob, "tar.gz", tmp_path / "out", _budget())
    assert list(victim.iterdir()) == []


@pytest.mark.parametrize("kind", ["zip", "tar.gz"])
def test_not_an_archive(tmp_path: Path, kind: str) -> None:
    blob = tmp_path / "a"
    blob.write_bytes(b"<html>login</html>")
    with pytest.raises(FetchError, match=f"not a valid {kind} archive"):
        extract(blob, kind, tmp_path / "out", _budget())


def test_zip_bomb_counts_real_bytes(tmp_path: Path) -> None:
    blob = tmp_path / "a.zip"
    blob.write_bytes(zip_bytes({"z": b"\0" * (4 << 20)}))
    assert blob.stat().st_size < 64 * 1024
    with pytest.raises(FetchError, match="unpacks to more than"):
        extract(blob, "zip", tmp_path / "out", _budget(max_bytes=1 << 20))
