"""The incubator manager's review with the keyboard alone: the queue and its filters, a file opened from it,
the review started, a rejection refused for want of a reason (the error summary leads to the reasons), then the
file accepted and given a mentor. On every page the checks of keyboard.py: skip link first, document order,
visible focus, no trap."""

import re

import pytest

from . import pages_workspace
from .keyboard import activate, check_error_summary, check_tab_cycle, choose_option, type_into


def here(page) -> str:
    return page.url.split("#")[0]


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_manager_reviews_a_file_with_the_keyboard_only(new_context, world, lang):
    page = new_context().new_page()
    world.become("incubator_manager", page.context, lang)
    mentor = world.make_user(role="mentor", incubator_id=world.user.incubator_id, full_name="Naima Mentor")
    target = pages_workspace._in_state(world, "routed")
    pages_workspace._in_state(world, "in_review")
    page.goto(f"/workspace/?lang={lang}")
    check_tab_cycle(page, "queue")

    # Only the files waiting for a first look, then the one to review.
    choose_option(page, "#status", "assigned")
    activate(page, "main form.filters .actions button[type=submit]")
    assert "status=assigned" in page.url
    assert page.locator("main .card-list > li").count() == 1
    check_tab_cycle(page, "queue filtered")
    activate(page, f"main a[href$='/workspace/files/{target.id}']")
    assert here(page).endswith(f"/workspace/files/{target.id}")
    check_tab_cycle(page, "file routed")

    activate(page, "main form[action$='/start-review'] button[type=submit]")
    check_tab_cycle(page, "file in review")

    # A refusal without its reason: the summary takes focus and leads to the reasons.
    activate(page, "main form[action$='/reject'] button[type=submit]")
    check_error_summary(page, "reject without a reason")
    check_tab_cycle(page, "file with the rejection's errors")

    type_into(page, "#accept-note", "Projet solide, accompagnement possible.")
    activate(page, "main form[action$='/accept'] button[type=submit]")
    assert re.search(rf"/workspace/files/{target.id}$", here(page))
    check_tab_cycle(page, "file accepted")
    choose_option(page, "#mentor-mentor", mentor.id)
    activate(page, "main form[action$='/mentor'] button[type=submit]")
    assert "Naima Mentor" in page.locator("main dl.summary").first.inner_text()
    check_tab_cycle(page, "file with its mentor")
