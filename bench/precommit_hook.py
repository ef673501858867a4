#!/usr/bin/env python3
"""pre-commit hook latency: 5 changed IaC files through the `policyguard` hook entry, end to end
(new interpreter each run, exactly the command pre-commit executes), median of N runs.

usage: python bench/precommit_hook.py [--runs 10] [--exe policyguard] [--with-pre-commit] [--scan PATH]

The 5 files: two Terraform modules (a .tf file in each; the hook scans the module directory),
one CloudFormation template and two Kubernetes manifests, written to a temporary directory.
--with-pre-commit also times `pre-commit run --files ...` in a temporary git repo (adds
pre-commit's own start-up; the hook is served with language: system from this interpreter).
CPU and peak memory are given as `time` sees them (wait4 on the command) and for the whole
process tree (this bench is the subreaper of every run, so a descendant the command left
behind is waited for and counted; "orphans" counts them).
Prints one Markdown table row per measurement for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

FILES = {
    "network/main.tf": """\
resource "aws_db_instance" "reporting" {
  identifier          = "reporting"
  engine              = "postgres"
  instance_class      = "db.t3.micro"
  publicly_accessible = true
  storage_encrypted   = false
}
""",
    "queues/main.tf": """\
resource "aws_sqs_queue" "jobs" {
  name                    = "jobs"
  sqs_managed_sse_enabled = true
}

resource "aws_sns_topic" "alerts" {
  name = "alerts"
}
""",
    "stacks/logs.yaml": """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  LogGroup:
    Type: AWS::Logs::LogGroup
    Properties:
      RetentionInDays: 30
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
""",
    "k8s/web.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: nginx:1.27.2
          ports: [{containerPort: 8080}]
""",
    "k8s/agent.yaml": """\
apiVersion: v1
kind: Pod
metadata:
  name: agent
  namespace: ops
spec:
  hostNetwork: true
  containers:
    - name: agent
      image: busybox:1.36
      securityContext: {privileged: true}
""",
}


_PR_SET_CHILD_SUBREAPER = 36


def _become_subreaper() -> bool:
    """Orphaned descendants of a measured command (a helper its parent never waited for) are
    re-parented to this process instead of init, so they can be waited for and counted."""
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


@dataclass
class Run:
    wall: float
    cpu_visible: float  # user+sys of the command as `time` sees it (wait4 on the command)
    rss_visible: int  # KiB, its peak RSS (the largest of it and the children it waited for)
    cpu_tree: float  # plus every orphaned descendant, waited for here as their subreaper
    rss_tree: int  # KiB, the largest peak of any process of the tree
    orphans: int  # descendants that outlived the command
    rc: int


def _run_once(cmd: list[str], cwd: Path, env: dict[str, str] | None) -> Run:
    """One run: stdout/stderr to /dev/null (an orphan holding a captured pipe open would stretch
    the wall time), then every orphan the command left is waited for (60 s at most)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    cpu = ru.ru_utime + ru.ru_stime
    run = Run(wall, cpu, ru.ru_maxrss, cpu, ru.ru_maxrss, 0, p.returncode)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            pid, status, ru = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            time.sleep(0.005)
            continue
        run.orphans += 1
        run.cpu_tree += ru.ru_utime + ru.ru_stime
        run.rss_tree = max(run.rss_tree, ru.ru_maxrss)
    return run


def _time(cmd: list[str], cwd: Path, runs: int, env: dict[str, str] | None = None) -> list[Run]:
    """Wall clock, CPU and peak memory per run, of the command and of its whole process tree.
    The machine is shared: CPU time is the figure that does not move with other people's load."""
    _run_once(cmd, cwd, env)  # warm the page cache
    return [_run_once(cmd, cwd, env) for _ in range(runs)]


def _row(label: str, got: list[Run]) -> str:
    ms = sorted(r.wall * 1000 for r in got)
    med = statistics.median
    return (f"| {label} | {med(ms):.0f} ms | {ms[0]:.0f} ms | {ms[-1]:.0f} ms "
            f"| {med(r.cpu_visible for r in got) * 1000:.0f} ms | {med(r.cpu_tree for r in got) * 1000:.0f} ms "
            f"| {med(r.rss_visible for r in got) / 1024:.0f} MiB | {med(r.rss_tree for r in got) / 1024:.0f} MiB "
            f"| {max(r.orphans for r in got)} | {len(ms)} | exit {got[-1].rc} |")


def breakdown(files: list[str]) -> dict[str, float]:
    """CPU milliseconds per stage of the same scan, in this process (run from the temp root)."""
    t0 = time.process_time()
    import policyguard.commands  # noqa: F401
    from policyguard import discover, engine
    from policyguard.commands.common import options_from_cli
    from policyguard.gate.config import Config
    from policyguard.gate.evaluate import evaluate_gate
    from policyguard.gate.verdict import GateSettings
    from policyguard.report import render
    from policyguard.scan import ScanResult, parse_unit

    t1 = time.process_time()
    opts = options_from_cli({"paths": files})
    found = discover.discover([Path(p) for p in opts.read.paths], excludes=[])
    t2 = time.process_time()
    rs = engine.load_ruleset(opts.rules, opts.evaluation)
    t3 = time.process_time()
    ev = engine.make_evaluator(rs, opts.evaluation)
    t4 = time.process_time()
    parsed = [parse_unit(u, opts.read, opts.evaluation.unit_limits) for u in found.units]
    t5 = time.process_time()
    findings = [f for p in parsed for f in ev.evaluate(p.resources)]
    t6 = time.process_time()
    res = ScanResult(resources=[r for p in parsed for r in p.resources], findings=findings,
                     rules={m.id: m for m in rs.metas})
    render("text", evaluate_gate(res, Config(), GateSettings(), root="."))
    t7 = time.process_time()
    return {"import policyguard.commands": t1 - t0, "discover": t2 - t1, f"load rule pack ({len(rs.metas)} rules)": t3 - t2,
            "build evaluator": t4 - t3, "parse": t5 - t4, "evaluate": t6 - t5, "gate + text report": t7 - t6}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--exe", default=shutil.which("policyguard") or "", help="policyguard console script")
    ap.add_argument("--with-pre-commit", action="store_true")
    ap.add_argument("--scan", action="append", default=[], metavar="PATH",
                    help="also time `policyguard scan --quiet PATH` (repeatable), e.g. ../shared/corpus/tfplan")
    ap.add_argument("--breakdown", action="store_true", help="print CPU ms per stage (in a fresh interpreter, x3)")
    ap.add_argument("--_breakdown-here", dest="breakdown_here", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.breakdown_here:
        for k, v in breakdown(list(FILES)).items():
            print(f"{k}\t{v * 1000:.0f}")
        return 0
    if not args.exe:
        print("policyguard console script not found (pip install -e .)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="pg-hook-bench-") as tmp:
        root = Path(tmp)
        for name, text in FILES.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text)
        files = list(FILES)
        print(f"# {platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores, "
              f"load average {os.getloadavg()[0]:.2f}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
        if not _become_subreaper():
            print("# (not a subreaper: orphaned descendants are not counted in the tree columns)")
        print("| command | wall median | wall min | wall max | CPU (time) | CPU (tree) | peak RSS (time) "
              "| peak RSS (tree) | orphans | runs | result |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        print(_row("`python -c pass` (interpreter floor)", _time([sys.executable, "-c", "pass"], root, args.runs)))
        print(_row("`policyguard --version` (CLI start-up)", _time([args.exe, "--version"], root, args.runs)))
        print(_row("hook: `policyguard scan --quiet` + 5 files", _time([args.exe, "scan", "--quiet", *files], root, args.runs)))
        print(_row("same, `-j 1` (no worker processes)",
                   _time([args.exe, "scan", "--quiet", "-j", "1", *files], root, args.runs)))
        for extra in args.scan:
            target = str(Path(extra).resolve())
            print(_row(f"`policyguard scan --quiet {extra}`", _time([args.exe, "scan", "--quiet", target], root, args.runs)))
        if args.with_pre_commit and shutil.which("pre-commit"):
            env = dict(os.environ, PRE_COMMIT_HOME=str(root / ".pc-cache"), GIT_AUTHOR_NAME="b",
                       GIT_AUTHOR_EMAIL="b@x.invalid", GIT_COMMITTER_NAME="b", GIT_COMMITTER_EMAIL="b@x.invalid")
            subprocess.run(["git", "init", "-q"], cwd=root, check=True, env=env)
            (root / ".pre-commit-config.yaml").write_text(
                "repos:\n- repo: local\n  hooks:\n  - id: policyguard\n    name: policyguard\n"
                f"    entry: {args.exe} scan --quiet\n    language: system\n"
                "    files: '(\\.tf|\\.tf\\.json|\\.json|\\.ya?ml)$'\n    require_serial: true\n"
            )
            subprocess.run(["git", "add", "-A"], cwd=root, check=True, env=env)
            print(_row("`pre-commit run --files` + 5 files (incl. pre-commit)",
                       _time(["pre-commit", "run", "--files", *files], root, args.runs, env)))
        if args.breakdown:
            rows: dict[str, list[str]] = {}
            for _ in range(3):
                out = subprocess.run([sys.executable, __file__, "--_breakdown-here"], cwd=root, capture_output=True,
                                     text=True, check=True).stdout
                for line in out.splitlines():
                    k, v = line.split("\t")
                    rows.setdefault(k, []).append(v)
            print("\n| stage (CPU, 3 fresh interpreters) | ms |\n|---|---|")
            for k, vs in rows.items():
                print(f"| {k} | {' / '.join(vs)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
