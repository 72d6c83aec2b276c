"""Pages of programme administration for the audits of pages.py (see its docstring): the list, a new programme
(and its refusal), one programme with its grids (and a refused deletion), a line of a grid, a new edition, the
consent text; and the applicant's page asking her to agree to a new consent text. Seen by the admin of
pages.py's ROLES, and by an applicant."""

from __future__ import annotations

from jisr.extensions import db
from jisr.workspace import grids

from .pages import Page, World

ROLES: dict = {}


def _programme(world: World):
    programme = world.open_call()
    grids.stages(programme)
    grids.criteria(programme)
    db.session.commit()
    return programme


def _list(world: World) -> str:
    _programme(world)
    world.make_programme(code="jisr-2025", name_fr="Jisr 2025", name_ar="جسر 2025")
    return "/admin/programmes/"


def _show(world: World) -> str:
    return f"/admin/programmes/{_programme(world).id}"


def _edit(world: World) -> str:
    return f"/admin/programmes/{_programme(world).id}/edit"


def _edition(world: World) -> str:
    return f"/admin/programmes/{_programme(world).id}/edition"


def _consent(world: World) -> str:
    programme = _programme(world)
    response = world.client.post(f"/admin/programmes/{programme.id}/consent", data={
        "body_ar": "نص الموافقة لسنة 2027.\n\nفقرة ثانية.", "body_fr": "Texte de 2027.\n\nSecond paragraphe."})
    assert response.status_code == 303, response.data[:2000]
    return f"/admin/programmes/{programme.id}/consent"


def _stage(world: World) -> str:
    programme = _programme(world)
    return f"/admin/programmes/{programme.id}/stages/{grids.stages(programme)[1].id}"


def _criterion(world: World) -> str:
    programme = _programme(world)
    return f"/admin/programmes/{programme.id}/criteria/{grids.criteria(programme)[0].id}"


def _new_reason(world: World) -> str:
    return f"/admin/programmes/{_programme(world).id}/rejection/new"


def _clear_names(page, world) -> None:
    page.fill("#name_ar", "")
    page.fill("#code", "Not a code")
    with page.expect_navigation():
        page.locator("#edition-form [type=submit]").first.click()


def _one_reason_left(world: World) -> str:
    """Every reason for dropping out retired but one: retiring it too is refused (409, the page says why)."""
    from jisr.workspace.models import ReasonKind

    programme = _programme(world)
    reasons = grids.reasons(programme, ReasonKind.DROP_OUT)
    for reason in reasons[:-1]:
        reason.active = False
    db.session.commit()
    world.last_reason = reasons[-1].id
    return f"/admin/programmes/{programme.id}"


def _retire_the_last(page, world) -> None:
    with page.expect_navigation():
        page.locator(f"form[action$='/drop_out/{world.last_reason}/remove'] button").click()


def _asked_again(world: World) -> str:
    """Her file was sent; then the admin published a new consent text: her next page asks her to agree."""
    from jisr.auth.models import User
    from jisr.programmes import consent
    from jisr.timeutil import local_today

    world.sent()
    admin = world.make_user(role="admin")
    consent.publish(world.programme, "نص جديد للموافقة.\n\nفقرة ثانية.", "Un nouveau texte.\n\nSecond paragraphe.",
                    admin, local_today())
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(User, world.user.id).consent_due
    return "/consent/"


PAGES: list[Page] = [
    Page("programmes", "admin", "/admin/programmes/", "empty"),
    Page("programmes", "admin", _list),
    Page("programme-new", "admin", "/admin/programmes/new"),
    Page("programme-new", "admin", "/admin/programmes/new", "errors",
         act=lambda page, world: (page.fill("#code", ""), page.fill("#name_ar", ""),
                                  page.locator("#programme-form [type=submit]").first.click(),
                                  page.wait_for_load_state())),
    Page("programme", "admin", _show),
    Page("programme", "admin", _one_reason_left, "refused", act=_retire_the_last, status=409),
    Page("programme-edit", "admin", _edit),
    Page("programme-edition", "admin", _edition),
    Page("programme-edition", "admin", _edition, "errors", act=_clear_names),
    Page("programme-consent", "admin", _consent, "published"),
    Page("programme-stage", "admin", _stage),
    Page("programme-criterion", "admin", _criterion),
    Page("programme-reason", "admin", _new_reason, "new"),
    Page("programme-reason", "admin", _new_reason, "errors"),
    Page("consent-again", "applicant", _asked_again),
    Page("consent-again", "applicant", _asked_again, "errors"),
]


def _agent_reads_it(world: World) -> str:
    """A field agent's applicant (her account not taken over) whose file the agent sent with her; then a new
    consent text, to be read to her."""
    from jisr.applications.models import Application
    from jisr.auth.models import User
    from jisr.programmes import consent
    from jisr.timeutil import local_today

    from .pages import STEP_NAMES, _agent_registered

    path = _agent_registered("review")(world)
    application_id = int(path.split("/")[2])
    world.fill(application_id, STEP_NAMES)
    response = world.client.post(path, data={"method": "read_aloud", "confirm": "y"})
    assert response.status_code == 302, response.data[:2000]
    consent.publish(world.programme, "نص جديد للموافقة.", "Un nouveau texte.", world.make_user(role="admin"),
                    local_today())
    db.session.commit()
    person = db.session.get(Application, application_id).applicant_id
    assert db.session.get(User, person).consent_due
    return f"/agent/people/{person}/consent"


def _agent_list_with_a_new_text(world: World) -> str:
    _agent_reads_it(world)
    return "/agent/"


PAGES += [
    Page("people", "agent", _agent_list_with_a_new_text, "consent-due"),
    Page("agent-consent-again", "agent", _agent_reads_it),
    Page("agent-consent-again", "agent", _agent_reads_it, "errors"),
]
