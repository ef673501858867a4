"""What the scanning commands (``scan``, ``fix``, ``baseline create``, ``compliance``) share:
command-line arguments and configuration into scan options and gate settings, the project
root, the progress indicator and writing reports. Command-line options override the config
file, which overrides the defaults."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policyguard.exitcodes import EXIT_EMPTY, EXIT_ERROR, UsageError
from policyguard.options import EvalOptions, HelmOptions, ReadOptions, RuleOptions, ScanOptions

# nothing heavy at import time: every command module imports ``error`` from here when the CLI starts
if TYPE_CHECKING:
    from policyguard.gate.config import Config
    from policyguard.gate.report import Report
    from policyguard.gate.verdict import GateSettings
    from policyguard.limits import UnitLimits
    from policyguard.options import ModuleFetchOptions, StdinSource
    from policyguard.scan import ScanResult, UnitSink

# gate.exceptions.REPO_DIR, named here so a scan without exception files need not import that module
EXCEPTIONS_DIR = ".policyguard/exceptions"


def options_from_cli(kw: dict[str, Any], config: Config | None = None) -> ScanOptions:
    variables = {}
    for item in kw.get("variables") or ():
        name, sep, value = str(item).partition("=")
        if not sep or not name:
            raise UsageError(f"--var {item!r}: expected NAME=VALUE")
        variables[name] = value
    cfg_dirs = list(config.rule_dirs) if config else []
    paths = expand_paths(list(kw["paths"]))
    kw = normalise_selection(kw)
    kinds, kw["frameworks"] = split_frameworks(split_values(kw.get("frameworks")))
    enabled, disabled = selected_rules(kw)
    read = ReadOptions(
        paths=tuple(paths),
        excludes=tuple((list(config.excludes) if config else []) + list(kw.get("excludes") or ())),
        var_files=tuple(kw.get("var_files") or ()),
        tf_workspace=str(kw.get("tf_workspace") or os.environ.get("TF_WORKSPACE") or "default"),
        variables=variables,
        kustomize_binary=str(kw.get("kustomize_binary") or ""),
        follow_external_symlinks=bool(kw.get("follow_external_symlinks")),
        modules=module_fetch(kw, config),
        helm=helm_options(kw, config),
        kinds=kinds,
    )
    rules = RuleOptions(
        rule_dirs=tuple(cfg_dirs + list(kw.get("rule_dirs") or ())),
        builtin_rules=not kw.get("no_builtin_rules") and (config.builtin_rules if config else True),
        enabled_rules=enabled or (tuple(config.enabled_rules) if config else ()),
        disabled_rules=tuple((list(config.disabled_rules) if config else []) + list(disabled)),
        frameworks=tuple(kw.get("frameworks") or ()) or (tuple(config.frameworks) if config else ()),
        profile=str(kw.get("profile") or (config.profile if config else None) or "baseline"),
        rego_only_rule_dirs=tuple(config.rego_only_rule_dirs) if config else (),
        # raise-only overrides (untrusted repository) are checked by the gate against each rule
        severity_overrides={k: v for k, v in config.severity_overrides.items() if k not in config.severity_raise_only}
        if config else {},
        rule_params={rid: dict(v) for rid, v in config.rule_params.items()} if config else {},
    )
    evaluation = EvalOptions(
        jobs=int(kw.get("jobs") or 0) or auto_jobs(paths),
        rego_engine=str(kw.get("rego_engine") or "embedded"),
        opa_path=kw.get("opa_path"),
        opa_url=kw.get("opa_url"),
        evaluate=not kw.get("parse_only"),
        unit_limits=unit_limits(kw),
    )
    return ScanOptions(read, rules, evaluation)


def helm_options(kw: dict[str, Any], config: Config | None) -> HelmOptions:
    """``--helm-*`` over the config's per-chart settings (``helm.charts``)."""
    for item in kw.get("helm_set") or ():
        if "=" not in str(item) or str(item).startswith("="):
            raise UsageError(f"--helm-set {item!r}: expected KEY=VALUE")
    return HelmOptions(
        values_files=tuple(str(v) for v in kw.get("helm_values") or ()),
        set_values=tuple(str(v) for v in kw.get("helm_set") or ()),
        release_name=str(kw.get("helm_release_name") or ""),
        namespace=str(kw.get("helm_namespace") or ""),
        kube_version=str(kw.get("kube_version") or ""),
        binary=str(kw.get("helm_binary") or ""),
        charts=config.helm_charts if config else (),
    )


def module_fetch(kw: dict[str, Any], config: Config | None) -> ModuleFetchOptions:
    """``--download-modules`` and its settings over the trusted config's ``terraform_modules``
    (a repository's own config cannot turn downloads on: ``policyguard.gate.trust``)."""
    from policyguard.options import ModuleFetchOptions

    defaults = ModuleFetchOptions()
    flag = kw.get("download_modules")
    return ModuleFetchOptions(
        download=bool(flag if flag is not None else (config.download_modules if config else False)),
        cache_dir=str(kw.get("module_cache") or (config.module_cache if config else "") or ""),
        ca_bundle=str(kw.get("module_ca_bundle") or ""),
        request_timeout=float(kw.get("module_timeout") or defaults.request_timeout),
        total_timeout=float(kw.get("module_budget") or defaults.total_timeout),
    )
def normalise_selection(kw: dict[str, Any]) -> dict[str, Any]:
    """Checkov/Trivy habits: ``--check A,B --check C`` (comma lists and repetition) for rule and
    framework selection, ``--severity`` and ``--soft-fail-on``."""
    keys = ("only_rules", "checks", "skip_rules", "skip_checks", "frameworks", "show_severities", "soft_fail_on")
    return {**kw, **{k: split_values(kw.get(k)) for k in keys if k in kw}}


def selected_rules(kw: dict[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(--rule and --check ids, --skip-rule and --skip-check ids): the Checkov names are aliases,
    kept apart until here so a selector that matches nothing is named as the user typed it."""
    kw = normalise_selection(kw)
    return (tuple(kw.get("only_rules") or ()) + tuple(kw.get("checks") or ()),
            tuple(kw.get("skip_rules") or ()) + tuple(kw.get("skip_checks") or ()))


def shown_severities(kw: dict[str, Any]) -> tuple[Any, ...]:
    """``--severity high,critical``: the severities a report shows (() shows all)."""
    from policyguard.model import Severity

    out = []
    for value in split_values(kw.get("show_severities")):
        try:
            out.append(Severity.parse(value))
        except ValueError:
            from policyguard.engine.rules import suggest

            close = suggest(value, [s.label for s in Severity])
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise UsageError(f"--severity: unknown severity {value!r}{hint} (severities: "
                             f"{', '.join(s.label for s in Severity)})") from None
    return tuple(dict.fromkeys(out))


def split_values(values: Any) -> tuple[str, ...]:
    """Repeated options that also take comma lists (``--check A,B --check C``), without blanks."""
    return tuple(v.strip() for item in values or () for v in str(item).split(",") if v.strip())


def split_frameworks(values: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``--framework`` values as (input formats to scan, compliance frameworks): the two sets of
    names are disjoint, so one option serves both (an unknown name is reported by the rule
    selection check, with close matches from both)."""
    from policyguard.formats import input_kinds

    kinds = input_kinds()
    formats = tuple(dict.fromkeys(kinds[v.lower()] for v in values if v.lower() in kinds))
    return formats, tuple(v for v in values if v.lower() not in kinds)


def unit_limits(kw: dict[str, Any]) -> UnitLimits | None:
    """``--unit-timeout``/``--unit-memory`` over the defaults (command line only: a scanned
    repository must not raise what it may cost)."""
    timeout, memory = kw.get("unit_timeout"), kw.get("unit_memory")
    if timeout is None and memory is None:
        return None
    from dataclasses import replace

    from policyguard.limits import DEFAULT_UNIT_LIMITS

    limits = DEFAULT_UNIT_LIMITS
    if timeout is not None:
        limits = replace(limits, timeout=float(timeout))
    if memory is not None:
        limits = replace(limits, worker_memory=int(memory) * 1024 * 1024)
    return limits


SMALL_SCAN_FILES = 16


def auto_jobs(paths: list[str]) -> int:
    """1 for a short list of files (the pre-commit hook's case: forking workers that each build
    their own rule engine costs more than it saves), else 0 (every core)."""
    if len(paths) <= SMALL_SCAN_FILES and all(os.path.isfile(p) for p in paths):
        return 1
    return 0


def expand_paths(paths: list[str]) -> list[str]:
    """A changed ``*.tfvars`` file (pre-commit passes it alone) stands for the Terraform
    directory that reads it; everything else is passed through unchanged."""
    out: list[str] = []
    for p in paths:
        low = p.lower()
        if low.endswith((".tfvars", ".tfvars.json")):
            parent = Path(p).parent
            try:
                has_tf = any(c.name.endswith((".tf", ".tf.json")) for c in parent.iterdir())
            except OSError:
                has_tf = False
            if has_tf:
                p = str(parent)
        if p not in out:
            out.append(p)
    return out


def gate_settings(kw: dict[str, Any], config: Config | None) -> GateSettings:
    from policyguard.gate.verdict import DEFAULT_FAIL_ON, DEFAULT_UNKNOWN_AS, GateSettings
    from policyguard.model import Severity

    fail_on = kw.get("fail_on") or (config.fail_on if config else None) or DEFAULT_FAIL_ON
    soft = kw.get("soft_fail") or (bool(config.soft_fail) if config and config.soft_fail is not None else False)
    unknown_as = kw.get("unknown_as") or (config.unknown_as if config else None) or DEFAULT_UNKNOWN_AS
    return GateSettings(
        fail_on=Severity.parse(str(fail_on)),
        soft_fail=bool(soft),
        unknown_as=str(unknown_as),
        stale=config.policy.stale if config else "warn",
        allow_empty=bool(kw.get("allow_empty")),
        soft_fail_on=tuple(dict.fromkeys([*split_values(kw.get("soft_fail_on")), *(config.soft_fail_on if config else [])])),
    )


def project_root(config: Config | None, start: Path | None = None, paths: tuple[str, ...] = ()) -> str:
    """Where report paths (SARIF URIs, baselines, fingerprints) start: for scanned ``paths``,
    ``roots.report_root`` (their git work tree, else the config file's directory, else the scan
    root), never the current directory. Without a path on disk (a stream on stdin): the git work
    tree around ``start`` (the current directory), else the config file's directory, else
    ``start``. Config ``suppressions[].path`` globs are relative to the config file instead."""
    from policyguard.roots import report_root

    root = report_root(paths, config.root if config is not None else None)
    if root is not None:
        return root
    cur = (start or Path.cwd()).resolve()
    for d in (cur, *cur.parents):
        if (d / ".git").exists():
            return str(d)
    if config is not None and config.root is not None:
        return str(config.root.resolve())
    return str(cur)


class Spinner:
    """Elapsed-time indicator on stderr for scans longer than a second (TTY only)."""

    FRAMES = "|/-\\"

    def __init__(self, enabled: bool, label: str) -> None:
        self.enabled = enabled
        self.label = label
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._shown = False

    def __enter__(self) -> Spinner:
        if self.enabled:
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        start = time.monotonic()
        if self._stop.wait(1.0):
            return
        i = 0
        while not self._stop.wait(0.1):
            sys.stderr.write(f"\r{self.FRAMES[i % 4]} {self.label} {time.monotonic() - start:5.1f}s")
            sys.stderr.flush()
            self._shown = True
            i += 1

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._shown:
            sys.stderr.write("\r" + " " * (len(self.label) + 12) + "\r")
            sys.stderr.flush()
            self._shown = False


class ScanProgress:
    """What a scan is doing, on stderr and on a terminal only (a CI log or a pipe gets nothing):
    the elapsed time while rules load and files are found (``Spinner``), then click's progress
    bar of units judged / units in all with the unit just judged, fed by the scan core's
    progress callback. Scans shorter than ``DELAY`` seconds show nothing."""

    DELAY = 0.5

    def __init__(self, enabled: bool, label: str) -> None:
        self.enabled = enabled
        self.label = label
        self.spinner = Spinner(enabled, label)
        self.bar: Any = None
        self._start = 0.0
        self._done = 0

    def __enter__(self) -> ScanProgress:
        self._start = time.monotonic()
        self.spinner.__enter__()
        return self

    def __call__(self, done: int, total: int, unit: str) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            if time.monotonic() - self._start < self.DELAY:
                return
            import click

            self.spinner.__exit__()
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr, show_pos=True,
                                         show_eta=False, width=24, item_show_func=lambda u: u)
            self.bar.__enter__()
        self.bar.update(done - self._done, _short(unit))
        self._done = done

    def __exit__(self, *exc: object) -> None:
        self.spinner.__exit__()
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _short(path: str, width: int = 48) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        rel = path
    show = rel if not rel.startswith("..") else path
    return show if len(show) <= width else "…" + show[-(width - 1):]


def pair_outputs(formats: tuple[str, ...], outputs: tuple[str, ...]) -> list[tuple[str, str]]:
    """``--format`` i writes to ``--output`` i; formats without an output write to stdout."""
    formats = formats or ("text",)
    if len(outputs) > len(formats):
        raise UsageError(f"{len(outputs)} --output given for {len(formats)} --format: each --output needs its --format")
    pairs = [(fmt, outputs[i] if i < len(outputs) else "-") for i, fmt in enumerate(formats)]
    to_stdout = [fmt for fmt, out in pairs if out == "-"]
    if len(to_stdout) > 1:
        raise UsageError(f"formats {', '.join(to_stdout)} would all write to stdout: give each but one an --output FILE")
    return pairs


def _want_color(dest: str) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return dest == "-" and sys.stdout.isatty()


SNIPPETS_UP_TO = 200  # findings a terminal report shows with snippets unless --snippets is given


def text_to_terminal(pairs: list[tuple[str, str]]) -> bool:
    """Does the text report go to a terminal (stdout a TTY)?"""
    return any(fmt == "text" and dest == "-" for fmt, dest in pairs) and sys.stdout.isatty()


def lay_out(report: Report, pairs: list[tuple[str, str]], kw: dict[str, Any], config: Config | None,
            result: ScanResult, options: ScanOptions) -> None:
    """How the reports present findings: the rule documentation links (config ``docs_url``) and,
    for the text report, snippets or not. Snippets are the default on a terminal only: a CI log
    or a pre-commit run is read as a list of places to fix (each ``file:line:col`` opens the
    code), so there the compact form keeps one line per location; ``--snippets`` and
    ``--compact`` choose either way."""
    from policyguard.gate.report import SourceReader
    from policyguard.model import Status
    from policyguard.roots import repository_roots

    if config is not None and config.docs_url is not None:
        report.docs_url = config.docs_url
    compact = kw.get("compact")
    report.layout_note = ""
    report.snippets = (not compact) if compact is not None else text_to_terminal(pairs)
    if compact is None and report.snippets:
        shown = sum(1 for f in report.findings if f.status in (Status.FAIL, Status.UNKNOWN, Status.ERROR))
        if shown > SNIPPETS_UP_TO:  # thousands of snippets scroll past: the list of places reads better
            report.snippets = False
            report.layout_note = (f"{shown} findings: snippets left out above {SNIPPETS_UP_TO} "
                                  "(--snippets shows them, --compact is this form)")
    if report.snippets:
        roots = () if options.read.stdin is not None else tuple(str(r) for r in repository_roots(list(options.read.paths)))
        report.sources = SourceReader(roots=roots, memory=dict(result.sources))


def present(report: Report, pairs: list[tuple[str, str]], kw: dict[str, Any], shown: tuple[Any, ...],
            config: Config | None, result: ScanResult | None, options: ScanOptions) -> int:
    """The last step of `scan` and `merge`: the display options (``--severity``, ``--quiet``,
    ``--verbose``, ``--pretty``, the SARIF category), the layout, the reports written; returns
    the exit code (the verdict, or 2 when a report cannot be written). ``result`` None (merge):
    no scan to render fixes from, the findings keep the edits they came with."""
    import os

    from policyguard.scan import ScanResult

    if shown:
        report.show_only(shown)
    report.quiet = bool(kw.get("quiet"))
    report.verbose = bool(kw.get("verbose"))
    report.pretty = bool(kw.get("pretty"))
    report.automation_id = str(kw.get("sarif_category") or os.environ.get("POLICYGUARD_SARIF_CATEGORY") or "")
    lay_out(report, pairs, kw, config, result if result is not None else ScanResult(), options)
    try:
        write_reports(report, pairs, result, options)
    except BrokenPipeError:  # `scan . | head`: the reader stopped reading; the verdict stands
        quiet_closed_stdout()
    except OSError as exc:
        return error(f"cannot write report: {exc}")
    return report.verdict.exit_code


def write_reports(
    report: Report, pairs: list[tuple[str, str]], result: ScanResult | None = None, options: ScanOptions | None = None
) -> None:
    from policyguard.report import write

    if result is not None and any(fmt == "sarif" for fmt, _ in pairs):
        _attach_edits(result, options)
    for fmt, dest in pairs:
        color = _want_color(dest) and fmt == "text"
        if dest == "-":
            write(fmt, report, sys.stdout, color=color)
            sys.stdout.flush()
        else:
            Path(dest).parent.mkdir(parents=True, exist_ok=True)
            with open(dest, "w", encoding="utf-8") as out:  # streamed: JSON and SARIF write as they encode
                write(fmt, report, out, color=color)


def emit(text: str, dest: str) -> None:
    """Write one rendered report to ``dest`` (``-``: stdout)."""
    if dest == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        Path(dest).parent.mkdir(parents=True, exist_ok=True)
        Path(dest).write_text(text, encoding="utf-8")


def _attach_edits(result: ScanResult, options: ScanOptions | None) -> None:
    """Let the fix stage render ``Finding.edits`` (SARIF ``fixes``) when it is installed. It
    verifies each fix by a re-scan, so it only runs when a SARIF report is requested."""
    try:
        from policyguard.fix import attach_edits  # type: ignore[attr-defined]
    except ImportError:
        return
    try:
        attach_edits(result, options)
    except Exception as exc:  # fixes are an extra: a fixer bug must not lose the report
        print(f"policyguard: warning: could not render fixes: {type(exc).__name__}: {exc}", file=sys.stderr)
    _withhold_secret_edits(result)


def _withhold_secret_edits(result: ScanResult) -> None:
    """Edits whose replacement text would quote a secret (a fix that re-aligns the block around
    ``password = ...``) are left out of the reports: a masked edit would write the mask into the
    file if applied, a clear one leaks. ``policyguard fix`` still applies such fixes locally."""
    from policyguard.redact import mask_text

    for f in result.findings:
        if f.edits and any(mask_text(e.text) != e.text for e in f.edits):
            f.edits = ()


def error(msg: str) -> int:
    print(f"policyguard: {msg}", file=sys.stderr)
    return EXIT_ERROR


def quiet_closed_stdout() -> None:
    """Point stdout at /dev/null once its reader is gone, so nothing (not even the interpreter's
    final flush) writes a BrokenPipeError traceback."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def empty(msg: str) -> int:
    print(f"policyguard: {msg} (pass --allow-empty if that is expected)", file=sys.stderr)
    return EXIT_EMPTY


def read_stdin(kw: dict[str, Any]) -> StdinSource | None:
    """The stream to scan when the only path is ``-`` (None otherwise): read whole, within the
    file size limit, decoded like a file (UTF-8, or UTF-16/32 with a byte order mark)."""
    paths = list(kw.get("paths") or ())
    if "-" not in paths:
        if kw.get("stdin_name") or kw.get("stdin_format"):
            raise UsageError("--stdin-name and --stdin-format apply to the path '-' (the stream on stdin)")
        return None
    if paths != ["-"]:
        raise UsageError("'-' (scan the stream on stdin) must be the only path")
    if sys.stdin is None or sys.stdin.isatty():
        raise UsageError("'-' scans a stream piped to stdin, but stdin is a terminal "
                         "(for example: helm template chart/ | policyguard scan -)")
    from policyguard.fsread import ReadError, decode_text
    from policyguard.limits import DEFAULT_LIMITS
    from policyguard.options import StdinSource

    name = str(kw.get("stdin_name") or "stdin")
    limit = DEFAULT_LIMITS.max_file_bytes
    data = sys.stdin.buffer.read(limit + 1)
    if len(data) > limit:
        raise UsageError(f"{name}: the stream on stdin is larger than the {limit // (1024 * 1024)} MiB file limit")
    try:
        text = decode_text(data)
    except ReadError as exc:
        raise UsageError(f"{name}:{exc.line}:{exc.column}: {exc.message}") from None
    fmt = kw.get("stdin_format")
    return StdinSource(text, name, str(fmt).replace("-", "_") if fmt else None)


def prepare_scan(kw: dict[str, Any]) -> tuple[Config, ScanOptions, str]:
    """The config file, scan options and project root for CLI arguments ``kw`` (shared by
    ``scan``, ``baseline create`` and ``fix``, so they read the same configuration the same way)."""
    from policyguard.gate import trust
    from policyguard.gate.selection import check_rule_selection

    config, untrusted = trust.resolve(
        kw.get("config_path"), list(kw.get("paths") or ()),
        org_config=kw.get("org_config"), untrusted=bool(kw.get("untrusted_repo")),
    )
    config.untrusted = untrusted
    kw = normalise_selection(kw)
    options = options_from_cli(kw, config)
    if options.evaluation.evaluate:
        check_rule_selection(config, options.rules, kw)
    root = project_root(config, paths=options.read.paths)
    trusted = tuple(kw.get("exception_paths") or ())
    if trusted or os.path.isdir(os.path.join(root, EXCEPTIONS_DIR)):
        from policyguard.gate import exceptions

        config.exceptions = exceptions.for_scan(config, root, trusted)
    else:  # none to read (the usual pre-commit run): the exceptions module is not even imported
        config.exceptions = []
    return config, options, root


def run_scan(options: ScanOptions, quiet: bool, *, full_resources: bool = False, sink: UnitSink | None = None) -> ScanResult:
    """The scan of a gating command. Its resources are gate views (``policyguard.scan.gate_view``)
    unless ``full_resources`` (``--parse-only`` prints the whole model); ``sink``: takes each
    judged unit instead of the result (``policyguard.scan.UnitSink``)."""
    from policyguard.scan import scan

    with ScanProgress(sys.stderr.isatty() and not quiet, "policyguard: scanning") as progress:
        return scan(options, progress, full_resources=full_resources, sink=sink)


def complete_rule_set(options: ScanOptions) -> bool:
    """Were all loaded rules evaluated (no id or framework filter)?"""
    rules = options.rules
    return not (rules.enabled_rules or rules.disabled_rules or rules.frameworks)
