"""Pages of PAGES (pages.py), in Arabic, with the app's Content-Security-Policy in force (the audit of
test_accessibility.py bypasses it to inject axe): the browser reports no violation, so no page relies on a
script, an inline style or a resource the policy refuses (jisr/security.py).

One page of each name (every template), and a page with its form's errors (the error parts of the form
macros): a third of PAGES, so the check stays quick. Templates are also read for inline script and style in
tests/test_security.py, without a browser, all of them."""

import pytest

from .pages import PAGES

LANG = "ar"
_FIRST: dict[str, object] = {}
for _page in PAGES:
    _FIRST.setdefault(_page.name, _page)
    if _page.state == "errors":
        _FIRST.setdefault("(a form with errors)", _page)
CHECKED = list(_FIRST.values())
# Runs before the page's own content (an init script is not the page's: the policy does not apply to it).
LISTEN = """document.addEventListener('securitypolicyviolation', e => {
  (window.__cspViolations = window.__cspViolations || []).push(
    `${e.violatedDirective} ${e.blockedURI || 'inline'} ${e.sourceFile || ''}:${e.lineNumber} ${e.sample || ''}`);
});"""


@pytest.mark.parametrize("spec", CHECKED, ids=[p.id for p in CHECKED])
def test_page_breaks_no_rule_of_the_content_security_policy(new_context, world, spec):
    context = new_context()  # bypass_csp is off: the policy applies as for everyone
    context.add_init_script(LISTEN)
    page = context.new_page()
    reported = []
    page.on("console", lambda message: reported.append(message.text)
            if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text else None)
    response = spec.open(page, world, LANG)
    assert response.status == spec.expected_status, f"{spec.id}: {response.status} at {response.url}"
    assert "script-src 'none'" in (response.headers.get("content-security-policy") or "")
    reported += page.evaluate("() => window.__cspViolations || []")
    assert not reported, f"{spec.id} ({page.url}) breaks the Content-Security-Policy:\n" + "\n".join(reported)
