"""The HTML report: escaping of everything that comes from scanned files, and the page opened in
a real headless Chromium (Debian ``chromium``) over the DevTools protocol: the summary and the
compliance chart render, the filters work under the page's Content-Security-Policy, and the page
makes no network request."""

from __future__ import annotations

import importlib.util
import os
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from policyguard.report import render

DATA = Path(__file__).parent / "data" / "report"
_spec = importlib.util.spec_from_file_location("report_support", DATA / "reports.py")
assert _spec and _spec.loader
rs = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("report_support", rs)
_spec.loader.exec_module(rs)
sup = rs.sup

sys.path.insert(0, str(Path(__file__).parent))
from browser_support import Browser, chromium_path  # noqa: E402

# a missing browser skips locally and fails in CI (.ci/run installs it)
needs_chromium = pytest.mark.skipif(chromium_path() is None and not os.environ.get("CI"),
                                    reason="chromium not installed (Debian package chromium)")


def _fetching_attributes(page: str) -> list[tuple[str, str, str]]:
    """Every (tag, attribute, value) of the page's elements that could load something."""
    found: list[tuple[str, str, str]] = []

    class Tags(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.extend((tag, k, v or "") for k, v in attrs if k in ("src", "href", "action", "srcset", "data", "poster"))

    Tags().feed(page)
    return found


def test_markup_from_scanned_files_is_escaped(tmp_path: Path) -> None:
    page = render("html", rs.deployment_report(tmp_path, hostile=True))
    assert page.count("<script") == 1  # ours, at the end
    assert "<svg onload" not in page and "<img" not in page
    assert "&lt;svg onload=window.pwned=1&gt;&lt;script&gt;window.pwned=2;.yaml" in page
    assert "&lt;script&gt;window.pwned=3&lt;/script&gt;" in page
    assert _fetching_attributes(page) == []  # nothing to fetch
    assert "Content-Security-Policy" in page and "default-src 'none'" in page


@needs_chromium
def test_page_renders_summary_chart_and_filters_without_network(tmp_path: Path) -> None:
    report = rs.linked(rs.deployment_report(tmp_path))
    page = tmp_path / "report.html"
    page.write_text(render("html", report), encoding="utf-8")
    with Browser() as b:
        b.open(page.as_uri())
        assert b.requests() == [page.as_uri()]  # the document itself, nothing else
        assert b.eval("document.getElementById('verdict').textContent") == "FAIL (exit 1)"
        high = b.eval("Array.from(document.querySelectorAll('#severity-summary tr[data-severity=high] td')).map(td => td.textContent)")
        assert high == ["high", "2", "0", "0", "0", "0"]
        critical = b.eval("Array.from(document.querySelectorAll('#severity-summary tr[data-severity=critical] td')).map(td => td.textContent)")
        assert critical == ["critical", "0", "1", "0", "0", "0"]
        # the chart: one bar per framework judged, drawn with a width
        bars: list[dict[str, Any]] = b.eval(
            "Array.from(document.querySelectorAll('#compliance-chart g.bar')).map(g => ({fw: g.dataset.framework, "
            "segs: Array.from(g.querySelectorAll('rect')).map(r => [r.getAttribute('class'), r.getBBox().width])}))")
        assert [x["fw"] for x in bars] == ["cis-kubernetes-1.10", "pss"]
        assert bars[0]["segs"] == [["seg fail", 520]]  # 5.2.2 fails
        assert [s[0] for s in bars[1]["segs"]] == ["seg fail", "seg pass"] and all(s[1] > 0 for s in bars[1]["segs"])
        assert b.eval("document.querySelector('#findings tr[data-rule=PG-K-001] a').href") == "https://policyguard.dev/rules/PG-K-001.html"
        # filters run (the script is allowed by its hash in the CSP): drop medium, then pick one rule
        assert b.eval("document.querySelectorAll('#findings tbody tr:not([hidden])').length") == 5
        b.eval("var x = document.querySelector('input[name=sev][value=medium]'); x.checked = false;"
               "x.dispatchEvent(new Event('change', {bubbles: true}))")
        assert b.eval("document.getElementById('shown').textContent") == "3"
        b.eval("var s = document.querySelector('select[name=rule]'); s.value = 'PG-K-004';"
               "s.dispatchEvent(new Event('change', {bubbles: true}))")
        visible = b.eval("Array.from(document.querySelectorAll('#findings tbody tr:not([hidden])')).map(r => r.dataset.rule)")
        assert visible == ["PG-K-004"]
        assert b.requests() == [page.as_uri()]


@needs_chromium
def test_hostile_values_stay_text_in_the_browser(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(render("html", rs.deployment_report(tmp_path, hostile=True)), encoding="utf-8")
    with Browser() as b:
        b.open(page.as_uri())
        assert b.eval("window.pwned === undefined")
        assert b.eval("document.scripts.length") == 1
        assert b.eval("document.querySelectorAll('img, [onload]').length") == 0
        cells = b.eval("Array.from(document.querySelectorAll('#findings tbody td')).map(td => td.textContent).join('\\n')")
        assert rs.HOSTILE_FILE in cells and "<script>window.pwned=3</script>" in cells
        assert b.requests() == [page.as_uri()]


@needs_chromium
def test_request_recorder_sees_a_fetch(tmp_path: Path) -> None:
    """The no-network assertions can fail: a page with an external image is recorded."""
    page = tmp_path / "fetch.html"
    page.write_text('<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/x.png"></body></html>')
    with Browser() as b:
        b.open(page.as_uri())
        assert "http://127.0.0.1:9/x.png" in b.requests()
