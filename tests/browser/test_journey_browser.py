"""The applicant's whole journey in a real browser, in Arabic and in French, with JavaScript on and off:
register with a phone number, start, fill every step (a real PNG upload included), leave and come back,
review and consent, send, receipt, status, withdraw with confirmation."""

import re

import pytest
import sqlalchemy as sa
from journey import IDENTITY, NEEDS, PROJECT, SITUATION, png_bytes

from jisr.applications.models import Application, Status

PHONE, PASSWORD = "06 12 34 56 78", "Une phrase facile à retenir 2026"


def _continue(page, label: str = "") -> None:
    """Press the step's "Save and continue" (first button of its .actions row) and wait for the next page."""
    with page.expect_navigation():
        page.locator("main form .actions [type=submit]").first.click()
    assert page.locator("#error-summary").count() == 0, f"{label}: {page.locator('#error-summary').inner_text()}"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_applicant_journey_in_the_browser(new_context, world, db, tmp_path, lang, javascript):
    world.open_call()
    context = new_context(java_script_enabled=javascript)
    page = context.new_page()
    hosts, console_errors = set(), []
    page.on("request", lambda r: hosts.add(re.match(r"\w+://([^/]+)", r.url).group(1)))
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    expected_422 = "the server responded with a status of 422"  # the refused withdrawal below

    page.goto(f"/?lang={lang}")
    assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")

    # Register with a phone number.
    page.locator("main a[href='/account/register']").first.click()
    page.fill("#full_name", "Fatima-Zahra Amrani")
    page.fill("#phone", PHONE)
    page.fill("#password", PASSWORD)
    page.fill("#password_confirm", PASSWORD)
    _continue(page, "register")
    assert page.url.endswith("/applications/")

    # Start, fill the identity step, then leave ("finish later") and sign out.
    with page.expect_navigation():
        page.locator("main form[action$='/applications/start'] [type=submit]").click()
    assert re.search(r"/applications/\d+/identity$", page.url)
    for name in ("first_name_ar", "last_name_ar", "first_name_latin", "last_name_latin", "national_id",
                 "birth_date", "commune"):
        page.fill(f"#{name}", IDENTITY[name])
    page.check("input[name=sex][value=female]")
    page.select_option("#province_id", str(world.province_id))
    with page.expect_navigation():
        page.locator("main form .actions [type=submit][name=later]").click()
    assert page.url.endswith("/applications/")
    with page.expect_navigation():
        page.locator("header form[action$='/account/logout'] [type=submit]").click()

    # Come back another day: sign in with the phone number, continue where she stopped.
    page.goto("/account/login")
    page.fill("#identifier", PHONE)
    page.fill("#password", PASSWORD)
    _continue(page, "login")
    with page.expect_navigation():
        page.locator("main .card a.button").click()
    assert page.url.endswith("/situation"), page.url

    page.select_option("#education_level", SITUATION["education_level"])
    page.select_option("#family_situation", SITUATION["family_situation"])
    page.check("#is_divorced")
    page.check("#is_head_of_household")
    page.select_option("#disability_type", SITUATION["disability_type"])
    _continue(page, "situation")
    assert page.url.endswith("/project")

    page.fill("#project_title", PROJECT["project_title"])
    page.select_option("#sector_id", str(world.sector_id))
    page.check(f"input[name=project_stage][value={PROJECT['project_stage']}]")
    page.check(f"input[name=carrier][value={PROJECT['carrier']}]")
    page.fill("#project_description", PROJECT["project_description"])
    page.fill("#estimated_budget", PROJECT["estimated_budget"])
    page.fill("#own_contribution", PROJECT["own_contribution"])
    _continue(page, "project")
    assert page.url.endswith("/needs")

    page.check("#need_training")
    page.check("#need_financing")
    for key in ("trainings-0-title", "trainings-0-organisation", "trainings-0-year"):
        page.fill(f"#{key}", NEEDS[key])
    _continue(page, "needs")
    assert page.url.endswith("/documents")

    # A real file from the disk, through the file picker.
    photo = tmp_path / "cnie.png"
    photo.write_bytes(png_bytes())
    page.select_option("#kind", "id_card")
    page.set_input_files("#file", str(photo))
    _continue(page, "documents")
    sent = page.locator("main .documents > li")
    assert sent.count() == 1 and sent.locator("dd bdi").first.inner_text() == "cnie.png"
    with page.expect_navigation():
        page.locator("main > .actions a.button").click()
    assert page.url.endswith("/review")

    # Review, consent, send: the receipt carries the reference.
    assert PROJECT["project_title"] in page.locator("main").inner_text()
    page.check("#consent")
    _continue(page, "review")
    assert page.url.endswith("/receipt")
    reference = page.locator(".reference").inner_text().strip()
    assert re.fullmatch(r"JISR-\d{4}-000001", reference)

    with page.expect_navigation():
        page.locator("main .actions a.button").first.click()
    assert re.search(r"/applications/\d+$", page.url)
    assert reference in page.locator("main").inner_text()

    # Withdraw: refused without the confirmation box, done with it.
    with page.expect_navigation():
        page.locator("main a[href$='/withdraw']").click()
    with page.expect_navigation() as refused:
        page.locator("main form .actions [type=submit]").click()
    assert refused.value.status == 422
    assert page.locator("#confirm").get_attribute("aria-invalid") == "true" or \
        page.locator("#error-summary").count() == 1
    page.fill("#reason", "Je déménage")
    page.check("#confirm")
    _continue(page, "withdraw")
    assert re.search(r"/applications/\d+$", page.url)

    db.session.expire_all()
    application = db.session.scalar(sa.select(Application))
    assert application.reference == reference and application.status == Status.WITHDRAWN
    assert application.applicant.phone == "+212612345678"
    # Routed at once: no incubator covers her province here, so she waited until she withdrew.
    assert [c.to_status for c in application.history] == ["draft", "submitted", "eligible", "waitlisted",
                                                           "withdrawn"]
    assert hosts == {world.base_url.split("//")[1]}, hosts
    assert [m for m in console_errors if expected_422 not in m] == []  # e.g. no Content-Security-Policy refusal
