"""Remote Terraform modules downloaded with --download-modules (issue 14, item 4 (c)), against
servers the tests start on loopback: a Terraform registry, archives and git repositories over
HTTPS with a CA generated here (README "Remote modules"). Every failure must be the module
call's unknown naming source, version and reason; nothing is fetched unless asked for."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_support import runner as cli_runner
from modfetch_support import ConnectProxy, TlsServer, git_repo, head_commit, make_ca, tar_gz, zip_bytes

from policyguard.commands import main

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def bucket(name: str, acl: str = "public-read") -> bytes:
    return f'resource "aws_s3_bucket_acl" "{name}" {{\n  bucket = "x"\n  acl    = "{acl}"\n}}\n'.encode()


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    return make_ca(tmp_path_factory.mktemp("ca"))


@pytest.fixture()
def server(certs: tuple[Path, Path, Path], tmp_path: Path) -> Iterator[TlsServer]:
    srv = TlsServer(certs[1], certs[2], git_root=tmp_path / "git")
    (tmp_path / "git").mkdir()
    yield srv
    srv.close()


@pytest.fixture()
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "infra").mkdir()
    monkeypatch.chdir(root)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return root


def scan(repo: Path, certs: tuple[Path, Path, Path], *extra: str, download: bool = True,
         cache: Path | None = None) -> tuple[int, dict]:
    args = ["scan", "infra", "-f", "json", "--module-ca-bundle", str(certs[0]),
            "--module-cache", str(cache or repo.parent / "cache"), *extra]
    if download:
        args.append("--download-modules")
    runner = cli_runner()
    r = runner.invoke(main, args, catch_exceptions=False)
    return r.exit_code, json.loads(r.stdout)


def call(repo: Path, source: str, version: str = "", name: str = "mod") -> None:
    ver = f'\n  version = "{version}"' if version else ""
    (repo / "infra" / "main.tf").write_text(f'module "{name}" {{\n  source  = "{source}"{ver}\n}}\n')


def fails(doc: dict) -> list[str]:
    return sorted(f["resource_id"] for f in doc["findings"] if f["rule_id"] == "PG-AWS-S3-003" and f["status"] == "fail")


def module_unknown(doc: dict) -> str:
    (u,) = [f for f in doc["findings"] if f["rule_id"] == "PG-TF-MODULE-001" and f["status"] == "unknown"]
    return str(u["message"])


def lock(repo: Path) -> dict:
    return json.loads((repo / "infra" / ".policyguard" / "modules.lock.json").read_text())["modules"]


# ------------------------------------------------------------------ registry
VERSIONS = ["1.0.0", "1.2.0", "1.2.7", "1.3.0", "2.0.0", "2.1.0-beta1"]


def publish(server: TlsServer, *, absolute: bool = False, json_location: bool = False) -> None:
    locations = {}
    for v in VERSIONS:
        path = f"/archives/bucket-{v}.tar.gz"
        server.static(path, tar_gz({"main.tf": bucket("v" + v.replace(".", "_").replace("-", "_"))}))
        # relative to the download URL /v1/modules/acme/bucket/aws/<v>/download
        locations[v] = f"{server.base}{path}" if absolute else f"../../../../../../archives/bucket-{v}.tar.gz"
    server.registry("acme", "bucket", "aws", locations, json_location=json_location)


@pytest.mark.parametrize(("constraint", "picked"), [
    ("~> 1.2", "1.3.0"),
    ("~> 1.2.0", "1.2.7"),
    (">= 1.0, < 2.0, != 1.3.0", "1.2.7"),
    ("", "2.0.0"),                 # newest, never a pre-release unasked
    ("2.1.0-beta1", "2.1.0-beta1"),  # a pre-release only when named exactly
    ("= 1.0.0", "1.0.0"),
])
def test_registry_version_constraints(repo: Path, certs, server: TlsServer, constraint: str, picked: str) -> None:
    publish(server)
    call(repo, f"{server.host}/acme/bucket/aws", constraint)
    code, doc = scan(repo, certs)
    assert fails(doc) == [f"module.mod.aws_s3_bucket_acl.v{picked.replace('.', '_').replace('-', '_')}"], doc["errors"]
    assert code == 1
    (entry,) = lock(repo).values()
    assert entry["version"] == picked and entry["version_constraint"] == constraint and len(entry["sha256"]) == 64
    (f,) = [f for f in doc["findings"] if f["rule_id"] == "PG-AWS-S3-003"]
    assert f["called_from"] == [{"address": "module.mod", "file": "infra/main.tf", "line": 1, "column": 1,
                                 "source": f"{server.host}/acme/bucket/aws", "version": picked, "downloaded": True}]


def test_downloaded_findings_point_into_the_repository(repo: Path, certs, server: TlsServer, tmp_path: Path) -> None:
    """A finding inside a downloaded module is shown at the module block that called it (the
    cache path is a related location) and its fingerprint does not depend on the cache path."""
    publish(server)
    call(repo, f"{server.host}/acme/bucket/aws", "1.2.0")
    _, one = scan(repo, certs, cache=tmp_path / "c1")
    _, two = scan(repo, certs, cache=tmp_path / "c2")
    fp = [f["fingerprint"] for doc in (one, two) for f in doc["findings"] if f["rule_id"] == "PG-AWS-S3-003"]
    assert len(fp) == 2 and fp[0] == fp[1]
    _, sarif = scan(repo, certs, "-o", str(tmp_path / "r.json"), "-f", "sarif", cache=tmp_path / "c1")
    (res,) = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "PG-AWS-S3-003"]
    primary = res["locations"][0]["physicalLocation"]
    assert primary["artifactLocation"]["uri"] == "infra/main.tf" and primary["region"]["startLine"] == 1
    assert any(str(tmp_path / "c1") in r["physicalLocation"]["artifactLocation"]["uri"] for r in res["relatedLocations"])


@pytest.mark.parametrize("how", ["absolute", "json"])
def test_download_location_absolute_or_json(repo: Path, certs, server: TlsServer, how: str) -> None:
    publish(server, absolute=how == "absolute", json_location=how == "json")
    call(repo, f"{server.host}/acme/bucket/aws", "1.2.0")
    assert fails(scan(repo, certs)[1]) == ["module.mod.aws_s3_bucket_acl.v1_2_0"]


def test_registry_subdir_and_git_location(repo: Path, certs, server: TlsServer, tmp_path: Path) -> None:
    git_repo(tmp_path / "git", "mods.git", [({"modules/bucket/main.tf": bucket("from_git").decode()}, ["v3.0.0"])])
    server.registry("acme", "gitmod", "aws", {"3.0.0": f"git::{server.base}/git/mods.git?ref=v3.0.0"})
    call(repo, f"{server.host}/acme/gitmod/aws//modules/bucket", "~> 3.0")
    code, doc = scan(repo, certs)
    assert fails(doc) == ["module.mod.aws_s3_bucket_acl.from_git"], doc["errors"]
    (entry,) = lock(repo).values()
    assert entry["version"] == "3.0.0" and len(entry["commit"]) == 40


def test_no_matching_version_is_an_unknown_naming_it(repo: Path, certs, server: TlsServer) -> None:
    publish(server)
    call(repo, f"{server.host}/acme/bucket/aws", "~> 9.0")
    code, doc = scan(repo, certs, "--unknown-as", "fail")
    msg = module_unknown(doc)
    assert "~> 9.0" in msg and "no version of" in msg and "1.3.0" in msg
    assert code == 1


def test_missing_module_and_no_registry_are_unknowns(repo: Path, certs, server: TlsServer) -> None:
    publish(server)
    call(repo, f"{server.host}/acme/nothing/aws", "1.0.0")
    assert "HTTP 404" in module_unknown(scan(repo, certs)[1])
    server.routes.clear()
    assert "terraform.json" in module_unknown(scan(repo, certs)[1])


# ------------------------------------------------------------------ git
def test_git_ref_and_subdir(repo: Path, certs, server: TlsServer, tmp_path: Path) -> None:
    bare = git_repo(tmp_path / "git", "net.git", [
        ({"sub/main.tf": bucket("old").decode()}, ["v1"]),
        ({"sub/main.tf": bucket("new").decode()}, []),
    ])
    call(repo, f"git::{server.base}/git/net.git//sub?ref=v1")
    code, doc = scan(repo, certs)
    assert fails(doc) == ["module.mod.aws_s3_bucket_acl.old"], doc["errors"]
    (entry,) = lock(repo).values()
    assert entry["commit"] == head_commit(bare, "v1")
    call(repo, f"git::{server.base}/git/net.git//sub")  # no ref: the default branch
    assert fails(scan(repo, certs)[1]) == ["module.mod.aws_s3_bucket_acl.new"]
    call(repo, f"git::{server.base}/git/net.git//sub?ref={head_commit(bare, 'v1')}")  # a commit id
    assert fails(scan(repo, certs)[1]) == ["module.mod.aws_s3_bucket_acl.old"]


def test_git_lock_pins_the_commit_when_the_branch_moves(repo: Path, certs, server: TlsServer, tmp_path: Path) -> None:
    import os
    import subprocess

    bare = git_repo(tmp_path / "git", "moving.git", [({"main.tf": bucket("first").decode()}, [])])
    call(repo, f"git::{server.base}/git/moving.git?ref=main")
    assert fails(scan(repo, certs)[1]) == ["module.mod.aws_s3_bucket_acl.first"]
    first = head_commit(bare)
    work = tmp_path / "moving-work"
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t"}
    subprocess.run(["git", "clone", "-q", str(bare), str(work)], check=True, env=env)
    (work / "main.tf").write_bytes(bucket("second"))
    subprocess.run(["git", "-C", str(work), "commit", "-qam", "move"], check=True, env=env)
    subprocess.run(["git", "-C", str(work), "push", "-q", "origin", "main"], check=True, env=env)
    server.requests.clear()
    assert fails(scan(repo, certs)[1]) == ["module.mod.aws_s3_bucket_acl.first"]  # warm cache + lock
    assert server.requests == []
    cold = scan(repo, certs, cache=tmp_path / "cold")[1]  # cold cache: the locked commit, not the branch tip
    assert fails(cold) == ["module.mod.aws_s3_bucket_acl.first"]
    assert next(iter(lock(repo).values()))["commit"] == first
    (repo / "infra" / ".policyguard" / "modules.lock.json").unlink()  # unlocked: the tip
    assert fails(scan(repo, certs, cache=tmp_path / "colder")[1]) == ["module.mod.aws_s3_bucket_acl.second"]


def test_git_failures_are_unknowns(repo: Path, certs, server: TlsServer) -> None:
    call(repo, f"git::{server.base}/git/absent.git?ref=v1")
    assert "git fetch failed" in module_unknown(scan(repo, certs)[1])
    call(repo, "git::ssh://git@example.com/x.git")
    assert "ssh" in module_unknown(scan(repo, certs)[1])
    call(repo, "git::file:///etc")
    assert "only https" in module_unknown(scan(repo, certs)[1])


def test_git_symlinks_are_checked_out_as_plain_files(repo: Path, certs, server: TlsServer, tmp_path: Path) -> None:
    import os
    import subprocess

    bare = git_repo(tmp_path / "git", "links.git", [({"main.tf": bucket("linked").decode()}, [])])
    work = tmp_path / "links-work"
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t"}
    subprocess.run(["git", "clone", "-q", str(bare), str(work)], check=True, env=env)
    (work / "secret.tf").symlink_to("/etc/hostname")
    subprocess.run(["git", "-C", str(work), "add", "-A"], check=True, env=env)
    subprocess.run(["git", "-C", str(work), "commit", "-qm", "link"], check=True, env=env)
    subprocess.run(["git", "-C", str(work), "push", "-q", "origin", "main"], check=True, env=env)
    call(repo, f"git::{server.base}/git/links.git")
    scan(repo, certs)
    (pkg,) = [p for p in (repo.parent / "cache").glob("*/pkg") if (p / "secret.tf").exists()]
    assert not (pkg / "secret.tf").is_symlink() and (pkg / "secret.tf").read_text() == "/etc/hostname"


def test_git_runs_no_hook_and_no_user_config(repo: Path, certs, server: TlsServer, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The runner's own git config (hooks, templates, credential helpers) is not used: a
    download must not run code the user configured for their own repositories either."""
    git_repo(tmp_path / "git", "hooked.git", [({"main.tf": bucket("hooked").decode()}, [])])
    home = tmp_path / "home"
    hooks = home / "hooks"
    hooks.mkdir(parents=True)
    marker = tmp_path / "hook-ran"
    for name in ("post-checkout", "post-merge", "reference-transaction"):
        (hooks / name).write_text(f"#!/bin/sh\ntouch {marker}\n")
        (hooks / name).chmod(0o755)
    (home / ".gitconfig").write_text(f"[core]\n\thooksPath = {hooks}\n[init]\n\ttemplateDir = {home}\n"
                                     "[credential]\n\thelper = !touch " + str(marker) + "\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_TEMPLATE_DIR", str(home))
    call(repo, f"git::{server.base}/git/hooked.git")
    assert fails(scan(repo, certs)[1]) == ["module.mod.aws_s3_bucket_acl.hooked"]
    assert not marker.exists()


# ------------------------------------------------------------------ archives
def test_archives_zip_tgz_query_and_subdir(repo: Path, certs, server: TlsServer) -> None:
    server.static("/a/mod.zip", zip_bytes({"m/main.tf": bucket("zipped")}))
    server.static("/a/get", tar_gz({"main.tf": bucket("queried")}))
    (repo / "infra" / "main.tf").write_text(
        f'module "z" {{\n  source = "{server.base}/a/mod.zip//m"\n}}\n'
        f'module "q" {{\n  source = "{server.base}/a/get?archive=tar.gz"\n}}\n')
    code, doc = scan(repo, certs)
    assert fails(doc) == ["module.q.aws_s3_bucket_acl.queried", "module.z.aws_s3_bucket_acl.zipped"], doc["errors"]


def test_https_url_answering_with_x_terraform_get(repo: Path, certs, server: TlsServer) -> None:
    server.static("/files/m.tgz", tar_gz({"main.tf": bucket("indirect")}))
    server.static("/get/bucket", b"", 204, {"X-Terraform-Get": "../files/m.tgz"})
    call(repo, f"{server.base}/get/bucket")
    assert fails(scan(repo, certs)[1]) == ["module.mod.aws_s3_bucket_acl.indirect"]
    server.static("/get/none", b"<html></html>")
    call(repo, f"{server.base}/get/none")
    assert "no X-Terraform-Get header" in module_unknown(scan(repo, certs)[1])


def test_a_cache_others_can_write_is_refused(repo: Path, certs, server: TlsServer, tmp_path: Path) -> None:
    server.static("/m.tgz", tar_gz({"main.tf": bucket("x")}))
    call(repo, f"{server.base}/m.tgz")
    shared = tmp_path / "shared-cache"
    shared.mkdir()
    shared.chmod(0o777)
    assert "is not private" in module_unknown(scan(repo, certs, cache=shared)[1])
    assert server.requests == []


@pytest.mark.parametrize(("files", "why"), [
    ({"main.tf": bucket("x"), "../evil.tf": b"x"}, "leaves the module directory (..)"),
    ({"/abs.tf": b"x"}, "absolute path"),
    ({"main.tf": bucket("x"), "link": ("symlink", "../../../etc")}, "symlink leaving the module directory"),
    ({"main.tf": bucket("x"), "hard": ("hardlink", "/etc/passwd")}, "absolute path"),
    ({"main.tf": bucket("x"), "a": ("symlink", "b/.."), "b": ("symlink", "..")}, "symlink leaving the module directory"),
])
def test_hostile_tar_archives_are_refused(repo: Path, certs, server: TlsServer, files: dict, why: str) -> None:
    server.static("/bad.tgz", tar_gz(files))
    call(repo, f"{server.base}/bad.tgz")
    code, doc = scan(repo, certs)
    msg = module_unknown(doc)
    assert why in msg and "bad.tgz" in msg
    assert not (repo.parent / "evil.tf").exists() and fails(doc) == []


def test_zip_symlink_escape_is_refused(repo: Path, certs, server: TlsServer) -> None:
    server.static("/bad.zip", zip_bytes({"main.tf": bucket("x"), "out": ("symlink", "/etc/passwd")}))
    call(repo, f"{server.base}/bad.zip")
    assert "symlink leaving the module directory" in module_unknown(scan(repo, certs)[1])


def test_archive_bombs_stop_at_the_limits(repo: Path, certs, server: TlsServer) -> None:
    from policyguard.options import EvalOptions, ModuleFetchOptions, ReadOptions, ScanOptions
    from policyguard.scan import scan as run

    server.static("/bomb.zip", zip_bytes({"main.tf": bucket("x"), "zeros": b"\0" * (8 * 1024 * 1024)}))
    server.static("/many.tgz", tar_gz({f"f{i}.tf": b"" for i in range(300)}))
    call(repo, f"{server.base}/bomb.zip", name="bomb")
    (repo / "infra" / "many.tf").write_text(f'module "many" {{\n  source = "{server.base}/many.tgz"\n}}\n')
    opts = ModuleFetchOptions(download=True, cache_dir=str(repo.parent / "cache"), ca_bundle=str(certs[0]),
                              max_bytes=1024 * 1024, max_files=100)
    result = run(ScanOptions(read=ReadOptions(paths=["infra"], modules=opts), evaluation=EvalOptions(jobs=1)))
    msgs = {f.resource_id: f.message for f in result.findings if f.rule_id == "PG-TF-MODULE-001"}
    assert "unpacks to more than 1048576 bytes" in msgs["module.bomb"]
    assert "more than 100 files" in msgs["module.many"]
    assert len(server.requests) == 2


def test_a_server_that_never_answers_times_out(repo: Path, certs, server: TlsServer) -> None:
    server.routes["/slow.tgz"] = lambda h: time.sleep(5)
    call(repo, f"{server.base}/slow.tgz")
    started = time.monotonic()
    code, doc = scan(repo, certs, "--module-timeout", "0.5")
    assert time.monotonic() - started < 4.5
    assert "timed out after 0.5s" in module_unknown(doc)


def test_total_budget_bounds_every_download(repo: Path, certs, server: TlsServer) -> None:
    server.routes["/slow.tgz"] = lambda h: time.sleep(3)
    (repo / "infra" / "main.tf").write_text("".join(
        f'module "m{i}" {{\n  source = "{server.base}/slow.tgz?n={i}"\n}}\n' for i in range(4)))
    started = time.monotonic()
    code, doc = scan(repo, certs, "--module-timeout", "2", "--module-budget", "1")
    assert time.monotonic() - started < 4
    msgs = [f["message"] for f in doc["findings"] if f["rule_id"] == "PG-TF-MODULE-001"]
    assert len(msgs) == 4 and all("timed out" in m or "budget is spent" in m for m in msgs)


def test_a_slow_drip_stops_at_the_total_budget(repo: Path, certs, server: TlsServer) -> None:
    def drip(h) -> None:  # type: ignore[no-untyped-def]
        h.send_response(200)
        h.send_header("Content-Length", "1000")
        h.end_headers()
        for _ in range(50):
            h.wfile.write(b"x")
            h.wfile.flush()
            time.sleep(0.2)

    server.routes["/drip.tgz"] = drip
    call(repo, f"{server.base}/drip.tgz")
    started = time.monotonic()
    code, doc = scan(repo, certs, "--module-budget", "1.5")
    assert time.monotonic() - started < 6
    assert "total download time budget" in module_unknown(doc)


def test_redirects_are_bounded_and_https_only(repo: Path, certs, server: TlsServer) -> None:
    server.static("/loop.tgz", b"", 302, {"Location": "/loop.tgz"})
    server.static("/down.tgz", b"", 302, {"Location": "http://127.0.0.1:1/x.tgz"})
    call(repo, f"{server.base}/loop.tgz")
    assert "more than 5 redirects" in module_unknown(scan(repo, certs)[1])
    call(repo, f"{server.base}/down.tgz")
    assert "only https" in module_unknown(scan(repo, certs)[1])
    call(repo, "http://127.0.0.1:1/x.tgz")
    assert "only https" in module_unknown(scan(repo, certs)[1])


def test_downloads_go_through_the_https_proxy(repo: Path, certs, server: TlsServer,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    proxy = ConnectProxy()
    try:
        monkeypatch.setenv("https_proxy", f"http://127.0.0.1:{proxy.port}")
        monkeypatch.delenv("no_proxy", raising=False)
        monkeypatch.delenv("NO_PROXY", raising=False)
        server.static("/m.tgz", tar_gz({"main.tf": bucket("proxied")}))
        call(repo, f"{server.base}/m.tgz")
        assert fails(scan(repo, certs)[1]) == ["module.mod.aws_s3_bucket_acl.proxied"]
        assert proxy.targets == [server.host]
        monkeypatch.setenv("no_proxy", "127.0.0.1")
        scan(repo, certs, cache=repo.parent / "other-cache")
        assert proxy.targets == [server.host]  # exempted: straight to the server
    finally:
        proxy.close()


def test_untrusted_certificate_is_an_unknown(repo: Path, certs, server: TlsServer, tmp_path: Path) -> None:
    server.static("/m.tgz", tar_gz({"main.tf": bucket("x")}))
    call(repo, f"{server.base}/m.tgz")
    other = make_ca(tmp_path)[0]
    assert "CERTIFICATE_VERIFY_FAILED" in module_unknown(scan(repo, (other, *certs[1:]))[1])


# ------------------------------------------------------------------ cache, lock file, opt-in
def test_lock_and_cache_reuse(repo: Path, certs, server: TlsServer, tmp_path: Path) -> None:
    publish(server)
    call(repo, f"{server.host}/acme/bucket/aws", "~> 1.2")
    assert fails(scan(repo, certs)[1]) == ["module.mod.aws_s3_bucket_acl.v1_3_0"]
    first = len(server.requests)
    assert first == 4  # discovery, versions, download, archive
    # warm cache + lock: not one request
    assert fails(scan(repo, certs)[1]) == ["module.mod.aws_s3_bucket_acl.v1_3_0"]
    assert len(server.requests) == first
    # a newer matching version appears, the lock keeps 1.3.0; an empty cache re-downloads it
    # without listing versions
    server.registry("acme", "bucket", "aws", {"1.4.0": "../../../../../../archives/bucket-1.0.0.tar.gz"})
    server.requests.clear()
    assert fails(scan(repo, certs, cache=tmp_path / "cold")[1]) == ["module.mod.aws_s3_bucket_acl.v1_3_0"]
    assert server.count("/v1/modules/acme/bucket/aws/versions") == 0 and server.count("/archives/") == 1
    # the archive behind the locked version changed: refused, not silently used
    server.static("/archives/bucket-1.3.0.tar.gz", tar_gz({"main.tf": bucket("tampered")}))
    msg = module_unknown(scan(repo, certs, cache=tmp_path / "colder")[1])
    assert "changed since the lock file recorded it" in msg


def test_cache_is_shared_between_roots(repo: Path, certs, server: TlsServer) -> None:
    publish(server)
    (repo / "infra" / "prod").mkdir()
    (repo / "infra" / "dev").mkdir()
    for env in ("prod", "dev"):
        (repo / "infra" / env / "main.tf").write_text(
            f'module "b" {{\n  source  = "{server.host}/acme/bucket/aws"\n  version = "1.2.0"\n}}\n')
    code, doc = scan(repo, certs, "-j", "1")
    assert server.count("/archives/") == 1
    sites = sorted(f["called_from"][0]["file"] for f in doc["findings"] if f["rule_id"] == "PG-AWS-S3-003")
    assert sites == ["infra/dev/main.tf", "infra/prod/main.tf"]


def test_nothing_is_fetched_without_the_option(repo: Path, certs, server: TlsServer) -> None:
    publish(server)
    call(repo, f"{server.host}/acme/bucket/aws", "1.2.0")
    code, doc = scan(repo, certs, download=False)
    assert server.requests == []
    assert "terraform init" in module_unknown(doc)
    assert not (repo / "infra" / ".policyguard").exists()


def test_repository_config_cannot_turn_downloads_on(repo: Path, certs, server: TlsServer) -> None:
    publish(server)
    call(repo, f"{server.host}/acme/bucket/aws", "1.2.0")
    (repo / ".policyguard.yaml").write_text("version: 1\nterraform_modules:\n  download: true\n")
    code, doc = scan(repo, certs, download=False)
    assert server.requests == []
    assert any(n["kind"] == "rejected" and "terraform_modules" in n["message"] for n in doc["suppression_notices"])


def test_trusted_config_turns_downloads_on(repo: Path, certs, server: TlsServer, tmp_path: Path) -> None:
    publish(server)
    call(repo, f"{server.host}/acme/bucket/aws", "1.2.0")
    trusted = tmp_path / "org.yaml"
    trusted.write_text(f"version: 1\nterraform_modules:\n  download: true\n  cache: {tmp_path / 'orgcache'}\n")
    code, doc = scan(repo, certs, "--org-config", str(trusted), download=False)
    assert fails(doc) == ["module.mod.aws_s3_bucket_acl.v1_2_0"]


def test_corrupt_lock_file_is_a_located_error(repo: Path, certs, server: TlsServer) -> None:
    publish(server)
    call(repo, f"{server.host}/acme/bucket/aws", "1.2.0")
    (repo / "infra" / ".policyguard").mkdir()
    (repo / "infra" / ".policyguard" / "modules.lock.json").write_text('{"version": 1,\n "modules": [}\n')
    code, doc = scan(repo, certs)
    assert code == 2
    (err,) = doc["errors"]
    assert err["file"].endswith("modules.lock.json") and err["line"] == 2 and "invalid JSON" in err["message"]
    assert fails(doc) == ["module.mod.aws_s3_bucket_acl.v1_2_0"]  # resolved afresh all the same


def test_module_file_reads_stay_inside_its_package(repo: Path, certs, server: TlsServer) -> None:
    """file() in a downloaded module reads its own package (path.module), nothing outside."""
    server.static("/f.tgz", tar_gz({
        "main.tf": b'resource "aws_s3_bucket_acl" "f" {\n  bucket = "x"\n  acl    = trimspace(file("${path.module}/acl.txt"))\n}\n'
                   b'resource "aws_s3_bucket_acl" "g" {\n  bucket = "x"\n  acl    = file("/etc/hostname")\n}\n',
        "acl.txt": b"public-read\n"}))
    call(repo, f"{server.base}/f.tgz")
    code, doc = scan(repo, certs)
    assert fails(doc) == ["module.mod.aws_s3_bucket_acl.f"]
