"""The applicant's whole journey with the keyboard alone (Tab, Shift+Tab, Enter, Space, arrow keys):
no click, no field filled that was not reached with Tab. On every page: the skip link first, the focus
order of the document, a visible focus indicator, no trap. After a refused form: the error summary."""

import re

import pytest
from journey import IDENTITY, NEEDS, PROJECT, SITUATION, png_bytes

from .keyboard import (
    activate,
    check_error_summary,
    check_tab_cycle,
    choose_option,
    choose_radio,
    focused,
    tab_to,
    tick,
    type_date,
    type_into,
)

PHONE, PASSWORD = "0698765432", "Une phrase facile à retenir 2026"
SAVE = "main form .actions button[type=submit]:not([name])"


def here(page) -> str:
    """The page's address without its #fragment (kept after following an error summary's link)."""
    return page.url.split("#")[0]


def test_skip_link_moves_focus_to_the_main_content(new_context, world):
    world.open_call()
    page = new_context().new_page()
    page.goto("/?lang=ar")
    info = tab_to(page, "a.skip-link")
    assert info["inViewport"], "the skip link is not visible when focused"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null"), focused(page)["desc"]


def test_error_summary_leads_to_a_group_and_its_members(new_context, world):
    """A cooperative without members: the summary's link puts focus on the members' group."""
    page = new_context().new_page()
    world.become("applicant", page.context, "fr")
    application = world.draft("situation")
    page.goto(f"/applications/{application.id}/project?lang=fr")
    choose_radio(page, "carrier", "group")
    activate(page, SAVE)
    check_error_summary(page, "project, group without members")
    assert "#members" in page.evaluate("() => [...document.querySelectorAll('#error-summary a')].map(a => a.hash)")


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_applicant_journey_with_the_keyboard_only(new_context, world, tmp_path, lang):
    world.open_call()
    page = new_context().new_page()
    page.goto(f"/?lang={lang}")
    check_tab_cycle(page, "home")

    activate(page, "main a[href='/account/register']")
    check_tab_cycle(page, "register")
    type_into(page, "#full_name", "Khadija Ait Ali")
    type_into(page, "#phone", PHONE)
    type_into(page, "#password", PASSWORD)
    type_into(page, "#password_confirm", PASSWORD)
    activate(page, SAVE)
    assert here(page).endswith("/applications/"), here(page)

    check_tab_cycle(page, "my files")
    activate(page, "main form[action$='/applications/start'] button")
    assert here(page).endswith("/identity")
    check_tab_cycle(page, "identity")

    # Sent empty: the error summary takes focus and leads to each field.
    activate(page, SAVE)
    check_error_summary(page, "identity")
    check_tab_cycle(page, "identity with errors")
    type_into(page, "#first_name_ar", IDENTITY["first_name_ar"])
    type_into(page, "#last_name_ar", IDENTITY["last_name_ar"])
    type_into(page, "#first_name_latin", IDENTITY["first_name_latin"])
    type_into(page, "#last_name_latin", IDENTITY["last_name_latin"])
    type_into(page, "#national_id", IDENTITY["national_id"])
    type_date(page, "#birth_date", IDENTITY["birth_date"])
    choose_radio(page, "sex", "female")
    choose_option(page, "#province_id", world.province_id)
    type_into(page, "#commune", IDENTITY["commune"])
    activate(page, SAVE)
    assert here(page).endswith("/situation"), here(page)

    check_tab_cycle(page, "situation")
    choose_option(page, "#education_level", SITUATION["education_level"])
    choose_option(page, "#family_situation", SITUATION["family_situation"])
    tick(page, "#is_divorced")
    choose_option(page, "#disability_type", SITUATION["disability_type"])
    activate(page, SAVE)
    assert here(page).endswith("/project"), here(page)

    check_tab_cycle(page, "project")
    type_into(page, "#project_title", PROJECT["project_title"])
    choose_option(page, "#sector_id", world.sector_id)
    choose_radio(page, "project_stage", PROJECT["project_stage"])
    choose_radio(page, "carrier", PROJECT["carrier"])
    type_into(page, "#project_description", PROJECT["project_description"])
    type_into(page, "#estimated_budget", PROJECT["estimated_budget"])
    activate(page, SAVE)
    assert here(page).endswith("/needs"), here(page)

    check_tab_cycle(page, "needs")
    activate(page, SAVE)  # nothing ticked: refused
    check_error_summary(page, "needs")
    tick(page, "#need_training")
    type_into(page, "#trainings-0-title", NEEDS["trainings-0-title"])
    activate(page, SAVE)
    assert here(page).endswith("/documents"), here(page)

    check_tab_cycle(page, "documents")
    choose_option(page, "#kind", "id_card")
    photo = tmp_path / "cnie.png"
    photo.write_bytes(png_bytes())
    tab_to(page, "#file")
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(str(photo))
    activate(page, "main form[enctype] .actions button")
    assert page.locator("main .documents > li").count() == 1
    check_tab_cycle(page, "documents with a file")
    activate(page, "main > .actions a.button")
    assert here(page).endswith("/review"), here(page)

    check_tab_cycle(page, "review")
    activate(page, SAVE)  # no consent: refused
    check_error_summary(page, "review")
    tick(page, "#consent")
    activate(page, SAVE)
    assert here(page).endswith("/receipt"), here(page)
    reference = page.locator(".reference").inner_text()
    assert re.fullmatch(r"JISR-\d{4}-\d{6}", reference)

    check_tab_cycle(page, "receipt")
    activate(page, "main .actions a.button")
    check_tab_cycle(page, "status")
    activate(page, "main a[href$='/withdraw']")
    check_tab_cycle(page, "withdraw")
    activate(page, "main form .actions button")  # not confirmed: refused
    check_error_summary(page, "withdraw")
    tick(page, "#confirm")
    activate(page, "main form .actions button")
    assert re.search(r"/applications/\d+$", here(page))
    assert page.locator(".status-tag").count() == 1
