"""CI guard: the browser tests ran and none was skipped, in each pytest JUnit report given.

    python .ci/check_browser_tests.py REPORT.xml [REPORT.xml ...]

The browser fixtures already fail instead of skipping when CI=true; this also catches browser tests left
out of a run (deselected, not collected) or skipped by any other means. Outside CI (CI not "true") it only
warns: a laptop without Chromium may skip them."""

import os
import sys
import xml.etree.ElementTree as ET


def check(path: str) -> list[str]:
    cases = [c for c in ET.parse(path).getroot().iter("testcase")
             if c.get("classname", "").startswith("tests.browser.")]
    if not cases:
        return [f"{path}: no browser test ran"]
    problems = [f"{path}: skipped: {c.get('classname')}::{c.get('name')}"
                for c in cases if c.find("skipped") is not None]
    if not problems:
        print(f"{path}: {len(cases)} browser tests ran, none skipped")
    return problems


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    problems = [p for path in sys.argv[1:] for p in check(path)]
    if problems:
        in_ci = os.environ.get("CI", "").lower() == "true"
        print(("Browser tests must run in CI:\n" if in_ci else "Warning (would fail in CI):\n")
              + "\n".join(problems[:20]), file=sys.stderr)
        sys.exit(1 if in_ci else 0)
