"""Every page of PAGES (pages.py), in each language: zero axe-core violations (WCAG 2.1 A and AA, and
axe's best practices), then every saved page valid for the Nu HTML checker, in one run."""

import shutil

import pytest

from .audit import AXE_TAGS, ROOT, assert_accessible, save_html, vnu_errors
from .pages import LANGUAGES, PAGES

AUDITED = [(page, lang) for page in PAGES for lang in LANGUAGES]


@pytest.mark.parametrize(("spec", "lang"), AUDITED, ids=[f"{p.id}-{lang}" for p, lang in AUDITED])
def test_page_has_no_accessibility_violation(new_context, world, saved_pages, spec, lang):
    page = new_context(bypass_csp=True).new_page()
    response = spec.open(page, world, lang)
    save_html(response, saved_pages / f"{spec.id}.{lang}.html")
    assert response.status == spec.expected_status, f"{spec.id}: {response.status} at {response.url}"
    assert page.locator("html").get_attribute("lang") == lang
    if spec.state == "errors":
        assert page.locator("#error-summary").count() == 1
    assert_accessible(page, AXE_TAGS, label=f"{spec.id} in {lang} ({page.url})")


def test_every_audited_page_is_valid_html(saved_pages):
    """Runs after the audit above, on the pages it saved: one JVM start for all of them."""
    saved = sorted(saved_pages.glob("*.html"))
    if not saved:
        pytest.skip("no page saved: run this test together with test_page_has_no_accessibility_violation")
    errors = vnu_errors(saved)
    if errors:  # keep the pages to look at, beside the failure screenshots
        shutil.copytree(saved_pages, ROOT / "test-results" / "pages", dirs_exist_ok=True)
    assert not errors, f"{len(errors)} HTML errors in {len(saved)} pages (copied to test-results/pages):\n" + \
        "\n".join(errors)
    print(f"Nu HTML checker: {len(saved)} pages valid")
