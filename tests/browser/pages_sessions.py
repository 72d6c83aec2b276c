"""Pages of the sessions feature for the audits of pages.py (see its docstring): PAGES lines, their setups and
acts, and ROLES this feature adds (the mentor; the incubator manager comes from pages_incubators)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from jisr.extensions import db

from . import scenes
from .pages import Page, World


def _mentor(world: World):
    return world.make_user(role="mentor", incubator_id=scenes.incubator(world, n=8).id)


ROLES: dict = {"mentor": _mentor}


# -- scenes: files accepted in the signed-in staff member's incubator, sessions convening them -------------

def _accepted_file(world: World, needs: bool = False):
    """A file sent by a new applicant, routed to the signed-in staff member's incubator (the only one), then
    accepted; hers to accompany when the staff member is a mentor. `needs`: she asked for sign language."""
    from jisr.applications.models import ApplicantProfile, Status

    application = scenes.routed_file(world, waitlisted=True)  # no other incubator: it goes to the user's
    assert application.incubator_id == world.user.incubator_id, "routed elsewhere"
    application.status = Status.ACCEPTED
    if world.user.role == "mentor":
        application.mentor_id = world.user.id
    if needs:
        db.session.execute(sa.update(ApplicantProfile).where(ApplicantProfile.user_id == application.applicant_id)
                           .values(needs_sign_language=True))
    db.session.commit()
    return application


def _convene(by, files, days: int = 2, topic: str = "Atelier : étude de marché"):
    from jisr.workspace import sessions

    zone = ZoneInfo("Africa/Casablanca")
    session = sessions.convene(by, [f.id for f in files], datetime.now(zone).date() + timedelta(days=days),
                               time(10, 0), 90, "in_person", "12 rue Zerktouni, Errachidia", topic,
                               "Carte nationale et idée de projet",
                               {f.id: "Interprète en langue des signes présente" for f in files})
    db.session.commit()
    return session


def _in_the_past(session, days: int = 3) -> None:
    from jisr.timeutil import utcnow
    from jisr.workspace.models import MentoringSession

    db.session.execute(sa.update(MentoringSession).where(MentoringSession.id == session.id)
                       .values(starts_at=utcnow() - timedelta(days=days)))
    db.session.commit()


# -- setups -------------------------------------------------------------------------------------------

def _index_with_sessions(world: World) -> str:
    files = [_accepted_file(world), _accepted_file(world)]
    _convene(world.user, files)
    _in_the_past(_convene(world.user, files[:1], days=1, topic="Accueil et orientation"))
    return "/workspace/sessions/"


def _new(world: World) -> str:
    _accepted_file(world, needs=True)
    return f"/workspace/sessions/new?application_id={_accepted_file(world).id}"


def _session(world: World) -> str:
    files = [_accepted_file(world, needs=True), _accepted_file(world)]
    return f"/workspace/sessions/{_convene(world.user, files).id}"


def _her_convocation(world: World) -> str:
    """The applicant's own convocation: her file accepted by an incubator whose manager convened her."""
    from jisr.applications.models import Status

    incubator = scenes.incubator(world)
    application = world.sent()
    assert application.incubator_id == incubator.id
    application.status = Status.ACCEPTED
    db.session.commit()
    manager = world.make_user(role="incubator_manager", incubator_id=incubator.id)
    session = _convene(manager, [application])
    return f"/applications/{application.id}/convocations/{session.convocations[0].id}"


def _her_status_convened(world: World) -> str:
    return _her_convocation(world).split("/convocations/")[0]


# -- acts ---------------------------------------------------------------------------------------------

def _send(form: str, fill=None):
    def act(page, world) -> None:
        if fill:
            fill(page)
        with page.expect_navigation():
            page.locator(f"main form{form} [type=submit]").first.click()

    return act


_CONVENE_BLANK = _send("#session-form", lambda page: page.uncheck("#files"))
_WRONG_CODE = _send("[action$='/check-in']", lambda page: page.fill("#checkin-code", "ZZZZZZZZ"))


PAGES: list[Page] = [
    Page("sessions", "incubator_manager", "/workspace/sessions/", "empty"),
    Page("sessions", "incubator_manager", _index_with_sessions),
    Page("session-new", "incubator_manager", _new),
    Page("session-new", "incubator_manager", _new, "errors", act=_CONVENE_BLANK),
    Page("session", "incubator_manager", _session, "convocations"),
    Page("session", "incubator_manager", _session, "check-in-errors", act=_WRONG_CODE, status=422),
    Page("sessions", "mentor", "/workspace/sessions/", "empty"),
    Page("sessions", "mentor", _index_with_sessions),
    Page("session-new", "mentor", _new),
    Page("session", "mentor", _session, "convocations"),
    Page("convocation", "applicant", _her_convocation),
    Page("status", "applicant", _her_status_convened, "convened"),
]
