"""Every page each role can reach, in each state worth checking: the list the accessibility audit, the
HTML validation and the other page-wide checks run over. A new page is one line in PAGES.

    Page(name, role, path_or_setup, state="", act=None, status=None)

- `role` says who looks at the page: "anonymous", or a key of ROLES (the browser is signed in as a
  new user of that role, available as `world.user`, before the setup runs).
- `path_or_setup` is a path ("/account/login"), or a function `setup(world) -> path` that puts the
  data in place first (a draft, a sent file...). A plain path gets an open call for applications.
- `state` names what the page shows ("empty", "errors", "eligible"...). "errors" submits the page's
  main form as it is (empty fields are mistakes) unless `act` says otherwise.
- `act(page, world)` is done in the browser after the page is loaded (fill and send a form...); the
  page audited is the one the browser shows afterwards.
- `status` is the HTTP status expected for the audited document (200; 422 for "errors").
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from journey import IDENTITY, NEEDS, PROJECT, SITUATION, png_bytes

from jisr.extensions import db

LANGUAGES = ["ar", "fr"]
STEP_NAMES = ["identity", "situation", "project", "needs", "documents"]


class World:
    """Data for a browser test, put in place through the test client (fast, no browser), and the
    browser signed in by a session cookie signed like the app's own."""

    def __init__(self, *, client, make_user, make_programme, province, journey_ids, live_app, base_url):
        self.client = client
        self.make_user = make_user
        self.make_programme = make_programme
        self.province = province
        self.province_id, self.sector_id = journey_ids
        self.live_app = live_app
        self.base_url = base_url
        self.programme = None
        self.user = None

    # -- people and sign-in --------------------------------------------------------------------------
    def sign_in(self, context, user, lang: str | None = None) -> None:
        """Sign the browser context (and the test client) in as `user` without the login form."""
        data = {"_user_id": str(user.id), "_fresh": True}
        if lang:
            data["lang"] = lang
        serializer = self.live_app.session_interface.get_signing_serializer(self.live_app)
        context.add_cookies([{"name": self.live_app.config["SESSION_COOKIE_NAME"], "value": serializer.dumps(data),
                              "url": self.base_url}])
        with self.client.session_transaction() as session:
            session["_user_id"] = str(user.id)
            session["_fresh"] = True
        self.user = user

    def become(self, role: str, context, lang: str | None = None):
        """A new user of `role`, signed in in the browser; None for "anonymous"."""
        if role == "anonymous":
            return None
        user = ROLES[role](self)
        self.sign_in(context, user, lang)
        return user

    # -- the call for applications and the applicant's file -------------------------------------------
    def open_call(self):
        if self.programme is None:
            self.programme = self.make_programme()
        return self.programme

    def draft(self, upto: str | None = None, identity: dict | None = None):
        """A draft of the signed-in applicant, its steps filled up to and including `upto`."""
        from jisr.applications.services import start_application

        application = start_application(self.user, self.open_call())
        db.session.commit()
        steps = STEP_NAMES[: STEP_NAMES.index(upto) + 1] if upto else []
        self.fill(application.id, steps, identity=identity)
        return application

    def fill(self, application_id: int, steps, identity: dict | None = None) -> None:
        base = f"/applications/{application_id}"
        posts = {
            "identity": lambda: self.client.post(f"{base}/identity", data={
                **IDENTITY, "province_id": self.province_id, **(identity or {})}),
            "situation": lambda: self.client.post(f"{base}/situation", data=SITUATION),
            "project": lambda: self.client.post(f"{base}/project", data={**PROJECT, "sector_id": self.sector_id}),
            "needs": lambda: self.client.post(f"{base}/needs", data=NEEDS),
            "documents": lambda: self.client.post(
                f"{base}/documents", data={"kind": "id_card", "file": (io.BytesIO(png_bytes()), "cnie.png")},
                content_type="multipart/form-data"),
        }
        for step in steps:
            response = posts[step]()
            assert response.status_code in (302, 303), (step, response.status_code, response.data[:2000])

    def sent(self, eligible: bool = True, withdrawn: bool = False):
        """A file sent by the signed-in applicant: eligible, or not (too old), or then withdrawn."""
        from jisr.applications.models import Application

        application = self.draft("documents", identity=None if eligible else {"birth_date": "1950-01-01"})
        response = self.client.post(f"/applications/{application.id}/review", data={"consent": "y"})
        assert response.status_code == 302, response.data[:2000]
        if withdrawn:
            response = self.client.post(f"/applications/{application.id}/withdraw",
                                        data={"confirm": "y", "reason": "Je déménage"})
            assert response.status_code == 302, response.data[:2000]
        db.session.expire_all()
        return db.session.get(Application, application.id)

    def close_calls(self) -> None:
        """No call for applications open (the programmes made so far close yesterday)."""
        from datetime import date, timedelta

        from jisr.programmes.models import Programme

        db.session.execute(sa.update(Programme).values(closes_on=date.today() - timedelta(days=1)))
        db.session.commit()


#: How a signed-in user of each role is made. Add a role here when its first page is added to PAGES.
ROLES: dict[str, Callable[[World], object]] = {
    "applicant": lambda world: world.make_user(),
    "agent": lambda world: world.make_user(role="agent", provinces=[world.province("errachidia")]),
    "coordinator": lambda world: world.make_user(role="coordinator", provinces=[world.province("errachidia")]),
    "admin": lambda world: world.make_user(role="admin"),
}


# -- acts: what the browser does on a page before it is audited ----------------------------------------
def submit_as_is(page, world) -> None:
    """Send the page's main form as it is (its first button in an .actions row)."""
    with page.expect_navigation():
        page.locator("main form .actions [type=submit]").first.click()


def request_reset_code(page, world) -> None:
    page.fill("#identifier", "0612345678")
    submit_as_is(page, world)


def give_a_wrong_phone(page, world) -> None:
    """A number too short: the error shows the example number, which must read left to right in Arabic."""
    page.fill("#full_name", "Fatima Zahra")
    page.fill("#phone", "0512")
    submit_as_is(page, world)


def save_identity(page, world) -> None:
    """Fill the identity step as she would and continue: the next step shows the "Saved." message."""
    for name in ("first_name_ar", "last_name_ar", "first_name_latin", "last_name_latin", "national_id",
                 "birth_date", "commune"):
        page.fill(f"#{name}", IDENTITY[name])
    page.check("input[name=sex][value=female]")
    page.select_option("#province_id", str(world.province_id))
    submit_as_is(page, world)


def choose_group_without_members(page, world) -> None:
    page.check("input[name=carrier][value=group]")
    submit_as_is(page, world)


def upload_a_photo(page, world) -> None:
    page.select_option("#kind", "id_card")
    page.set_input_files("#file", files=[{"name": "cnie.png", "mimeType": "image/png", "buffer": png_bytes()}])
    submit_as_is(page, world)


# -- setups: data in place, the path to open -----------------------------------------------------------
def _step(name: str, upto: str | None = None):
    def setup(world) -> str:
        application = world.draft(upto)
        return f"/applications/{application.id}/{name}"

    return setup


def _with_call_closed(path: str):
    def setup(world) -> str:
        world.close_calls()
        return path

    return setup


def _my_files_with_draft(world) -> str:
    world.draft("identity")
    return "/applications/"


def _my_files_with_sent_file(world) -> str:
    world.sent()
    return "/applications/"


def _status(eligible: bool = True, withdrawn: bool = False):
    def setup(world) -> str:
        return f"/applications/{world.sent(eligible=eligible, withdrawn=withdrawn).id}"

    return setup


def _status_of_draft(world) -> str:
    return f"/applications/{world.draft('identity').id}"


def _receipt(world) -> str:
    return f"/applications/{world.sent().id}/receipt"


def _withdraw(world) -> str:
    return f"/applications/{world.sent().id}/withdraw"


def _agent_registered(step: str):
    """The signed-in agent registers someone through her own form; the path is her list or a step."""
    def setup(world) -> str:
        from jisr.applications.models import Application

        world.open_call()
        response = world.client.post("/agent/new", data={
            "full_name": "Itto Ait Ali", "phone": "0661234567", "province_id": world.province("errachidia").id,
            "language": "ar"})
        assert response.status_code == 302, response.data[:2000]
        if not step:
            return "/agent/"
        application = db.session.scalar(sa.select(Application).where(Application.created_by_id == world.user.id))
        return f"/applications/{application.id}/{step}"

    return setup


def _agent_assisted_review(world) -> str:
    path = _agent_registered("review")(world)
    application_id = int(path.split("/")[2])
    world.fill(application_id, STEP_NAMES)
    return path


def _agent_assisted_status(world) -> str:
    path = _agent_assisted_review(world)
    response = world.client.post(path, data={"method": "read_aloud", "confirm": "y"})
    assert response.status_code == 302, response.data[:2000]
    return path.rsplit("/", 1)[0]


@dataclass(frozen=True)
class Page:
    name: str
    role: str
    path_or_setup: str | Callable[[World], str]
    state: str = ""
    act: Callable | None = None
    status: int | None = None

    @property
    def id(self) -> str:
        return "-".join(part for part in (self.role, self.name, self.state) if part)

    @property
    def action(self) -> Callable | None:
        return self.act or (submit_as_is if self.state == "errors" else None)

    @property
    def expected_status(self) -> int:
        return self.status or (422 if self.state == "errors" else 200)

    def open(self, page, world, lang: str):
        """Sign in as the role, put the data in place, load the page in `lang` and do its act.
        Returns the response of the document the browser shows at the end."""
        world.become(self.role, page.context, lang)
        if callable(self.path_or_setup):
            path = self.path_or_setup(world)
        else:
            world.open_call()
            path = self.path_or_setup
        documents = []
        page.on("response", lambda r: documents.append(r) if r.request.resource_type == "document"
                and r.frame == page.main_frame else None)
        page.goto(f"{path}{'&' if '?' in path else '?'}lang={lang}")
        if self.action:
            self.action(page, world)
        page.wait_for_load_state()
        return documents[-1]


PAGES: list[Page] = [
    # Anyone, signed out.
    Page("home", "anonymous", "/"),
    Page("home", "anonymous", _with_call_closed("/"), "no-call"),
    Page("login", "anonymous", "/account/login"),
    Page("login", "anonymous", "/account/login", "errors"),
    Page("register", "anonymous", "/account/register"),
    Page("register", "anonymous", "/account/register", "errors"),
    Page("register", "anonymous", "/account/register", "wrong-phone", act=give_a_wrong_phone, status=422),
    Page("reset", "anonymous", "/account/reset"),
    Page("reset", "anonymous", "/account/reset", "errors"),
    Page("reset-confirm", "anonymous", "/account/reset", "code-sent", act=request_reset_code),
    Page("reset-confirm", "anonymous", "/account/reset/confirm", "errors"),
    Page("not-found", "anonymous", "/no-such-page", status=404),
    # The applicant.
    Page("home", "applicant", "/"),
    Page("my-files", "applicant", "/applications/", "empty"),
    Page("my-files", "applicant", _with_call_closed("/applications/"), "no-call"),
    Page("my-files", "applicant", _my_files_with_draft, "draft"),
    Page("my-files", "applicant", _my_files_with_sent_file, "sent"),
    Page("identity", "applicant", _step("identity"), "empty"),
    Page("identity", "applicant", _step("identity"), "errors"),
    Page("situation", "applicant", _step("identity"), "saved", act=save_identity),
    Page("situation", "applicant", _step("situation", "identity"), "errors"),
    Page("project", "applicant", _step("project", "situation"), "empty"),
    Page("project", "applicant", _step("project", "situation"), "errors"),
    Page("project", "applicant", _step("project", "situation"), "group-errors", act=choose_group_without_members,
         status=422),
    Page("needs", "applicant", _step("needs", "project"), "empty"),
    Page("needs", "applicant", _step("needs", "project"), "errors"),
    Page("documents", "applicant", _step("documents", "needs"), "empty"),
    Page("documents", "applicant", _step("documents", "needs"), "errors"),
    Page("documents", "applicant", _step("documents", "needs"), "uploaded", act=upload_a_photo),
    Page("review", "applicant", _step("review", "identity"), "incomplete"),
    Page("review", "applicant", _step("review", "documents"), "complete"),
    Page("review", "applicant", _step("review", "documents"), "errors"),
    Page("status", "applicant", _status_of_draft, "draft"),
    Page("status", "applicant", _status(), "eligible"),
    Page("status", "applicant", _status(eligible=False), "ineligible"),
    Page("status", "applicant", _status(withdrawn=True), "withdrawn"),
    Page("receipt", "applicant", _receipt),
    Page("withdraw", "applicant", _withdraw),
    Page("withdraw", "applicant", _withdraw, "errors"),
    Page("not-found", "applicant", "/applications/999999", status=404),
    # The field agent.
    Page("people", "agent", "/agent/", "empty"),
    Page("people", "agent", _agent_registered(""), "one-person"),
    Page("register-person", "agent", "/agent/new"),
    Page("register-person", "agent", "/agent/new", "errors"),
    Page("identity", "agent", _agent_registered("identity"), "assisted"),
    Page("review", "agent", _agent_assisted_review, "assisted"),
    Page("review", "agent", _agent_assisted_review, "assisted-errors", act=submit_as_is, status=422),
    Page("status", "agent", _agent_assisted_status, "assisted-sent"),
    # The applicant who takes over an account an agent opened.
    Page("claim", "anonymous", "/account/claim"),
    Page("claim", "anonymous", "/account/claim", "errors"),
    # Staff roles whose pages come with later issues: their home page for now.
    Page("home", "coordinator", "/"),
    Page("home", "admin", "/"),
]

# Each feature keeps its pages in a module of its own (pages_<feature>.py); they join the audit here.
from . import (  # noqa: E402
    pages_admin,
    pages_api,
    pages_calls,
    pages_coordination,
    pages_exports,
    pages_incubators,
    pages_jobs,
    pages_outcomes,
    pages_programmes,
    pages_reference,
    pages_rights,
    pages_selection,
    pages_sessions,
    pages_stats,
    pages_workspace,
)

for _feature in (pages_calls, pages_selection, pages_incubators, pages_coordination, pages_sessions, pages_outcomes,
                 pages_workspace, pages_admin, pages_stats, pages_rights,
                 pages_api, pages_programmes, pages_reference, pages_jobs, pages_exports):
    ROLES.update(_feature.ROLES)
    PAGES.extend(_feature.PAGES)

assert len({p.id for p in PAGES}) == len(PAGES), "two pages share a name and state"
