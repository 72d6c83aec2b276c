"""An admin adapts a programme with the keyboard alone: its page, a stage added (refused first without its
names, the error summary leading to them), moved up, then a new consent text published; and the applicant,
at her next visit, agrees to it with the keyboard. On every page the checks of keyboard.py: skip link first,
document order, visible focus, no trap."""

import pytest
import sqlalchemy as sa

from jisr.applications.models import Consent
from jisr.extensions import db
from jisr.workspace import grids

from .keyboard import activate, check_error_summary, check_tab_cycle, tab_to, tick, type_into


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_admin_adapts_a_programme_and_she_agrees_again_with_the_keyboard_only(new_context, world, lang):
    page = new_context().new_page()
    world.become("applicant", page.context, lang)
    application = world.sent()
    applicant = world.user
    programme = world.programme
    world.become("admin", page.context, lang)
    page.goto(f"/admin/programmes/{programme.id}?lang={lang}")
    check_tab_cycle(page, "programme")

    activate(page, f"main a[href$='/admin/programmes/{programme.id}/stages/new']")
    activate(page, "#item-form button[type=submit]")
    check_error_summary(page, "stage without its names")
    check_tab_cycle(page, "stage with errors")
    type_into(page, "#name_ar", "اختبار السوق")
    type_into(page, "#name_fr", "Test du marché")
    type_into(page, "#code", "market_test")
    activate(page, "#item-form button[type=submit]")
    assert [s.code for s in grids.stages(programme)][-1] == "market_test"
    added = grids.stages(programme)[-1]
    activate(page, f"main form[action$='/stages/{added.id}/move/up'] button")
    db.session.expire_all()
    assert [s.code for s in grids.stages(programme)][-2] == "market_test"

    activate(page, f"main a[href$='/admin/programmes/{programme.id}/consent']")
    check_tab_cycle(page, "consent text")
    tab_to(page, "#body_fr")
    page.keyboard.press("Control+End")
    page.keyboard.type("\n\nVos données sont conservées cinq ans.")
    tab_to(page, "#body_ar")
    page.keyboard.press("Control+End")
    page.keyboard.type("\n\nتُحفظ معطياتك خمس سنوات.")
    activate(page, "#consent-form button[type=submit]")
    assert page.url.split("#")[0].endswith(f"/admin/programmes/{programme.id}")

    # Her next visit: the new text first, agreed to with the keyboard.
    world.sign_in(page.context, applicant, lang)
    page.goto(f"/applications/{application.id}?lang={lang}")
    assert "/consent/" in page.url
    check_tab_cycle(page, "consent asked again")
    activate(page, "#main-form button[type=submit]")
    check_error_summary(page, "agreement not ticked")
    tick(page, "#agree")
    activate(page, "#main-form button[type=submit]")
    assert page.url.split("?")[0].endswith(f"/applications/{application.id}")
    versions = db.session.scalars(sa.select(Consent.text_version).where(Consent.application_id == application.id)
                                  .order_by(Consent.id)).all()
    assert len(versions) == 2 and versions[0] != versions[1]
