"""Checks any browser test can run on the page it shows: the axe-core audit (with the work-around for
Arabic text of ../shared/BROWSER-TESTING.md) and the Nu HTML checker on saved pages.

    from .audit import assert_accessible, save_html          # in a module of tests/browser
    save_html(response, saved_pages / "my-page.ar.html")  # fixture saved_pages: validated in one vnu call
    assert_accessible(page)                                 # zero axe violations, or a readable list
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]

# axe mistakes Arabic letter shaping for icon ligatures and then skips the contrast of all later text:
# give every text node (and typed value) Latin letters of the same length and check contrast again.
_LATINISE = """() => {
  const latin = 'abcdefghijklmnopqrstuvwxyz';
  const swap = s => s.replace(/\\S/g, (c, i) => latin[i % 26]);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) n.nodeValue = swap(n.nodeValue);
  for (const el of document.querySelectorAll('input:not([type=hidden]):not([type=file]), textarea')) {
    if (el.value) el.value = swap(el.value);
  }
}"""


def _run_axe(page, options: dict) -> list[dict]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("options => axe.run(document, options)", {"resultTypes": ["violations"], **options})
    return result["violations"]


def axe_violations(page, tags=AXE_TAGS, latin_contrast: bool = True) -> list[dict]:
    """axe's violations on the page as shown now. With `latin_contrast`, the text is then replaced by
    Latin letters and contrast checked again: this changes the page, so do it last."""
    violations = _run_axe(page, {"runOnly": {"type": "tag", "values": list(tags)}})
    if latin_contrast:
        page.evaluate(_LATINISE)
        for violation in _run_axe(page, {"runOnly": {"type": "rule", "values": ["color-contrast"]}}):
            violation["id"] += " (text in Latin letters)"
            violations.append(violation)
    return violations


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} {v['helpUrl']}")
        for node in v["nodes"][:8]:
            summary = node["failureSummary"].splitlines()[-1].strip()
            lines.append(f"    {', '.join(map(str, node['target']))}: {summary}")
            lines.append(f"      {node['html'][:200]}")
    return "\n".join(lines)


def assert_accessible(page, tags=AXE_TAGS, label: str = "") -> None:
    """Zero axe violations on the page (needs a context with JavaScript on and bypass_csp=True, since the
    app's Content-Security-Policy forbids the injected script)."""
    violations = axe_violations(page, tags)
    assert not violations, f"axe on {label or page.url}:\n{describe_violations(violations)}"


def save_html(response, path: Path) -> Path:
    """Keep the document as the server sent it (not the DOM after scripts) for the Nu HTML checker."""
    path.write_bytes(response.body())
    return path


def vnu_errors(paths) -> list[str]:
    """One run of the Nu HTML checker over many files (each run costs ~2 s of JVM start-up)."""
    paths = [str(p) for p in paths]
    if not paths:
        return []
    done = subprocess.run(["java", "-jar", str(VNU), "--errors-only", "--format", "json", *paths],
                          capture_output=True, text=True, timeout=300)
    report = json.loads(done.stderr or done.stdout or '{"messages": []}')
    return [f"{Path(m.get('url', '')).name}:{m.get('lastLine', '?')}: {m['message']}  {m.get('extract', '')!r}"
            for m in report["messages"] if m["type"] in ("error", "non-document-error")]
