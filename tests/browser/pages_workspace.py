"""Pages of the incubator's workspace for the audits of pages.py (see its docstring): the queue, the file seen
by staff in each state that changes what it shows, and the applicant's answer page. The manager comes from
pages_incubators' ROLES, the mentor from pages_sessions'."""

from __future__ import annotations

from jisr.extensions import db

from . import scenes
from .pages import Page, World

ROLES: dict = {}


# -- scenes ---------------------------------------------------------------------------------------------

def _routed(world: World):
    """A file routed to the signed-in staff member's incubator (the only one). Every file made this way has the
    same names and birth date, so two of them are possible duplicates of each other."""
    application = scenes.routed_file(world, waitlisted=True)  # no other incubator: it goes to the user's
    assert application.incubator_id == world.user.incubator_id, "routed elsewhere"
    return application


def _in_state(world: World, state: str):
    """A routed file taken by the incubator's manager to `state`, assigned to the user when she is a mentor."""
    from jisr.workspace import grids, services

    application = _routed(world)
    manager = world.user
    if world.user.role == "mentor":
        manager = world.make_user(role="incubator_manager", incubator_id=world.user.incubator_id)
    if state == "routed":
        return application
    services.start_review(application, manager)
    if state == "info_requested":
        services.request_info(application, manager, "Merci d'ajouter une attestation de handicap récente.")
    if state == "rejected":
        reason = grids.reasons(application.programme, "rejection")[0]
        services.reject(application, manager, reason.id, "Le projet ne relève pas de nos secteurs.")
    if state in ("accepted", "in_mentoring"):
        services.accept(application, manager)
        if world.user.role == "mentor":
            services.assign_mentor(application, manager, world.user.id)
    if state == "in_mentoring":
        services.start_mentoring(application, manager)
        services.move_stage(application, manager, "forward", "Idée précisée, premier rendez-vous fait.")
    db.session.commit()
    return application


def _file(state: str, duplicate: bool = False):
    def setup(world: World) -> str:
        if duplicate:
            _routed(world)
        return f"/workspace/files/{_in_state(world, state).id}"

    return setup


def _queue_with_files(query: str = ""):
    def setup(world: World) -> str:
        for state in ("routed", "in_review", "info_requested", "accepted", "in_mentoring"):
            _in_state(world, state)
        return f"/workspace/{query}"

    return setup


def _information(world: World) -> str:
    """Her own file, sent, routed to an incubator whose manager asked her for a document."""
    from jisr.workspace import services

    incubator = scenes.incubator(world)
    application = world.sent()
    assert application.incubator_id == incubator.id, "her file went to another incubator"
    manager = world.make_user(role="incubator_manager", incubator_id=incubator.id)
    services.start_review(application, manager)
    services.request_info(application, manager, "Merci d'ajouter une attestation de handicap récente.")
    db.session.commit()
    return f"/applications/{application.id}/information"


def _her_status(state: str):
    def setup(world: World) -> str:
        from jisr.workspace import grids, services

        incubator = scenes.incubator(world)
        application = world.sent()
        assert application.incubator_id == incubator.id, "her file went to another incubator"
        manager = world.make_user(role="incubator_manager", incubator_id=incubator.id)
        services.start_review(application, manager)
        if state == "info_requested":
            services.request_info(application, manager, "Merci d'ajouter une attestation de handicap récente.")
        else:
            reason = grids.reasons(application.programme, "rejection")[0]
            services.reject(application, manager, reason.id, "Le projet ne relève pas de nos secteurs.")
        db.session.commit()
        return f"/applications/{application.id}"

    return setup


# -- acts -----------------------------------------------------------------------------------------------

def _send(action: str):
    """Send the form posting to `action` (request-info, reject...) as it is: its required fields are empty."""
    def act(page, world) -> None:
        with page.expect_navigation():
            page.locator(f"main form[action$='/{action}'] [type=submit]").first.click()

    return act


def _bad_scores(page, world) -> None:
    """A score above the criterion's maximum: refused on its field."""
    field = page.locator("main form[action$='/assessment'] input[type=number]").first
    field.fill("99")
    with page.expect_navigation():
        page.locator("main form[action$='/assessment'] [type=submit]").first.click()


def _empty_answer(page, world) -> None:
    with page.expect_navigation():
        page.locator("main form [type=submit]").first.click()


def _no_results(world: World) -> str:
    _in_state(world, "routed")
    return "/workspace/?q=" + "zz-nobody"


PAGES: list[Page] = [
    Page("queue", "incubator_manager", "/workspace/", "empty"),
    Page("queue", "incubator_manager", _queue_with_files(), "files"),
    Page("queue", "incubator_manager", _queue_with_files("?status=in_review&sort=name"), "filtered"),
    Page("queue", "incubator_manager", _no_results, "no-results"),
    Page("queue", "mentor", "/workspace/", "empty"),
    Page("queue", "mentor", _queue_with_files(), "files"),
    Page("workspace-file", "incubator_manager", _file("routed"), "routed"),
    Page("workspace-file", "incubator_manager", _file("in_review", duplicate=True), "in-review-duplicate"),
    Page("workspace-file", "incubator_manager", _file("in_review"), "request-info-errors",
         act=_send("request-info"), status=422),
    Page("workspace-file", "incubator_manager", _file("in_review"), "reject-errors", act=_send("reject"),
         status=422),
    Page("workspace-file", "incubator_manager", _file("in_review"), "assessment-errors", act=_bad_scores,
         status=422),
    Page("workspace-file", "incubator_manager", _file("info_requested"), "info-requested"),
    Page("workspace-file", "incubator_manager", _file("rejected"), "rejected"),
    Page("workspace-file", "incubator_manager", _file("accepted"), "accepted"),
    Page("workspace-file", "incubator_manager", _file("in_mentoring"), "in-mentoring"),
    Page("workspace-file", "mentor", _file("in_mentoring"), "in-mentoring"),
    Page("information", "applicant", _information),
    Page("information", "applicant", _information, "errors", act=_empty_answer, status=422),
    Page("status", "applicant", _her_status("info_requested"), "info-requested"),
    Page("status", "applicant", _her_status("rejected"), "rejected"),
]
