"""Every URL rule of the app × every role (and anonymous) × an object inside the role's scope and one outside it.

The rules come from the app's URL map, so a new route cannot be forgotten: it fails
`test_every_rule_of_the_url_map_is_in_the_table` until it has a line in TABLE below. A line says which
permission the endpoint needs, how to fill its parameters (a kind of object of tests/matrix_world.py, or a
literal) and where its answer differs from the rule:

    anonymous                       -> 302 to /account/login (the API: 401)
    signed in without the right     -> 403
    with the right, outside scope   -> 404 (never 200, never a word of the other object)
    with the right, inside scope    -> 200 for a GET; for a POST, anything but a 5xx or a refusal of access

Every rule is tried with each of its methods among GET and POST; a POST sends an empty form (its CSRF token
alone). A route naming two objects (a file and its document...) is also tried with the role's own parent and
another's child ("mix"), and with her parent and one of her children of another parent ("cross"): reaching the
parent must not open the child. Every answer to a role is searched for the names and references of files and
associations outside her scope. Nothing a refused request does may be committed, nor anything an empty POST does
unless the line says it `acts` (an action that takes no field: revoke, delete, cancel...).

Each request runs in a sandbox: the app's commits only flush, and the transaction is rolled back afterwards, so
the world built once for the module is the same for every case, whatever the order.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from matrix_world import ADMIN, ANON, REP, ROLES, SIBLING_ROLES, World, build

from jisr.auth.models import Role
from jisr.authz import ROLE_PERMISSIONS, Permission

# -- expected answers ------------------------------------------------------------------------------------------

OK = 200
LOGIN = "302 to sign-in"
REDIRECT = "redirect elsewhere"
DONE = "done (not 5xx, not refused)"
PUBLIC = "public"  # anyone, signed in or not
SIGNED_IN = "signed in"  # any role
TOKEN = "api token"  # /api/v1: any bearer token of an active user
SIGNED = "every signed-in role"  # a key of `expect`


@dataclass(frozen=True)
class E:
    """One endpoint: who may use it, how to fill its parameters, and its answers where they differ from the rule.

    `needs`: PUBLIC, SIGNED_IN, TOKEN, or the permissions of which any one opens it. `params`: name -> kind of
    object of the world, or a literal (a tuple: inside, outside). `ok`: the answer to a role with the right,
    inside her scope. `expect`: {role | (role, where) | SIGNED: answer}. `acts`: an empty POST by a role with the
    right is a complete request (the action takes no field), so it may change things."""

    needs: object
    params: dict = field(default_factory=dict)
    ok: object = None
    expect: dict = field(default_factory=dict)
    acts: bool = False


AP, AS, RE, RV, MI, MT, CO, AD = (Permission.APPLY, Permission.ASSIST, Permission.REPRESENT, Permission.REVIEW,
                                  Permission.MANAGE_INCUBATOR, Permission.MENTOR, Permission.COORDINATE,
                                  Permission.ADMINISTER)
STAFF = (RV, MT)
FILE = {"application_id": "file"}
DRAFT = {"application_id": "draft"}
ASSOCIATION = {"association_id": "association"}
#: Pages that only the owner of an object reaches, whatever her role's permissions: an admin holds the
#: permission but owns nothing there, so her "inside" is a 404 too.
NOT_HERS = {ADMIN: 404}

TABLE: dict[str, E] = {
    # -- anyone ------------------------------------------------------------------------------------------------
    "static": E(PUBLIC, {"filename": ("jisr.css", "no-such-file.css")}),
    "main.home": E(PUBLIC),
    "main.healthz": E(PUBLIC),
    "main.dashboard": E(SIGNED_IN, ok=REDIRECT),
    "api-docs.openapi_json": E(PUBLIC),
    "auth.login": E(PUBLIC, expect={SIGNED: REDIRECT}),
    "auth.register": E(PUBLIC, expect={SIGNED: REDIRECT}),
    "auth.reset_request": E(PUBLIC),
    "auth.reset_confirm": E(PUBLIC),
    "auth.claim": E(PUBLIC),
    "auth.logout": E(PUBLIC, ok=REDIRECT, acts=True),
    "invitations.accept": E(PUBLIC),
    "calls.index": E(PUBLIC),
    "calls.show": E(PUBLIC, {"call_id": "call"}),
    "calls.register": E(PUBLIC, {"call_id": "call"}, expect={(r, "in"): REDIRECT for r in ROLES if r != ANON}),
    "incubators.directory": E(PUBLIC),
    "stats.public": E(PUBLIC),
    # -- the applicant's file (agents fill it with her) --------------------------------------------------------
    "applications.index": E((AP,)),
    "applications.start": E((AP,), acts=True),
    "applications.identity": E((AP, AS), DRAFT),
    "applications.situation": E((AP, AS), DRAFT),
    "applications.project": E((AP, AS), DRAFT),
    "applications.needs": E((AP, AS), DRAFT),
    "applications.review": E((AP, AS), DRAFT),
    "documents.step": E((AP, AS), DRAFT),
    "documents.delete": E((AP, AS), {**DRAFT, "document_id": "draft_document"}, acts=True),
    "documents.download": E(SIGNED_IN, {"document_id": "file_document"}, expect={REP: 404}),
    "applications.status": E((AP, AS), FILE),
    "applications.receipt": E((AP, AS), FILE),
    "applications.receipt_pdf": E((AP, AS), FILE),
    "applications.withdraw": E((AP,), FILE),
    "answers.information": E((AP, AS), FILE, ok=REDIRECT),  # no question waits for her answer
    "convocations.show": E((AP, AS, *STAFF), {**FILE, "convocation_id": "convocation"}),
    "convocations.pdf": E((AP, AS, *STAFF), {**FILE, "convocation_id": "convocation"}),
    "consent.renew": E((AP,), ok=REDIRECT),  # she has agreed to the current text
    "rights.index": E((AP,)),
    "rights.download": E((AP,)),
    "rights.ask_erasure": E((AP,)),
    # -- agents ------------------------------------------------------------------------------------------------
    "agents.index": E((AS,)),
    "agents.new": E((AS,)),
    "agents.resend_code": E((AS,), {"user_id": "person"}, acts=True, expect=NOT_HERS),
    "agents.consent_again": E((AS,), {"user_id": "person"}, ok=REDIRECT, expect=NOT_HERS),  # nothing new to agree
    # -- associations answering a call -------------------------------------------------------------------------
    "calls.answer": E((RE,), {"call_id": "call"}),
    "calls.mine": E((RE, MI)),
    "calls.application": E((RE, MI), ASSOCIATION, expect=NOT_HERS),
    "calls.organisation": E((RE,), ASSOCIATION, expect=NOT_HERS),
    "calls.coverage": E((RE,), ASSOCIATION, expect=NOT_HERS),
    "calls.team": E((RE,), ASSOCIATION, expect=NOT_HERS),
    "calls.documents": E((RE,), ASSOCIATION, expect=NOT_HERS),
    "calls.review": E((RE,), ASSOCIATION, expect=NOT_HERS),
    "calls.delete_document": E((RE,), {**ASSOCIATION, "document_id": "association_document"}, acts=True,
                               expect=NOT_HERS),
    "calls.document": E((RE, MI, CO), {"document_id": "association_document"}),
    "calls.admin_index": E((AD,)),
    "calls.admin_new": E((AD,)),
    "calls.admin_edit": E((AD,), {"call_id": "call"}),
    # -- selecting associations --------------------------------------------------------------------------------
    "selection.call": E((AD,), {"call_id": "call"}),
    "selection.assign_all": E((AD,), {"call_id": "call"}),
    "selection.association": E((AD,), ASSOCIATION),
    "selection.assign": E((AD,), ASSOCIATION),
    "selection.unassign": E((AD,), {**ASSOCIATION, "review_id": "association_review"}, acts=True),
    "selection.select": E((AD,), ASSOCIATION),
    "selection.decline": E((AD,), ASSOCIATION),
    "selection.my_reviews": E((CO,)),
    "selection.review": E((CO,), {"review_id": "review"}),
    "selection.score": E((CO,), {"review_id": "review"}),
    "selection.conflict": E((CO,), {"review_id": "review"}),
    # -- incubators --------------------------------------------------------------------------------------------
    "incubators.manage": E((MI,), expect=NOT_HERS),
    "incubators.update": E((MI,), expect=NOT_HERS),
    "incubators.invite": E((MI,), expect=NOT_HERS),
    "incubators.revoke_invitation": E((MI,), {"invitation_id": "incubator_invitation"}, acts=True,
                                      expect=NOT_HERS),
    "incubators.admin_index": E((AD,)),
    # -- coordination ------------------------------------------------------------------------------------------
    "coordination.files": E((CO,)),
    "coordination.waitlist": E((CO,)),
    "coordination.file": E((CO,), FILE),
    "coordination.reroute": E((CO,), FILE),
    "coordination.eligibility": E((CO,), FILE),
    # -- the incubator's workspace -----------------------------------------------------------------------------
    "workspace.queue": E(STAFF),
    "workspace.file": E(STAFF, FILE),
    "workspace.document": E(STAFF, {**FILE, "document_id": "file_document"}),
    "workspace.start_review": E(STAFF, FILE),
    "workspace.accept": E(STAFF, FILE),
    "workspace.waitlist": E(STAFF, FILE),
    "workspace.resume": E(STAFF, FILE),
    "workspace.start_mentoring": E(STAFF, FILE),
    "workspace.complete": E(STAFF, FILE, acts=True),  # her file is in mentoring: the launch takes no field
    "workspace.request_info": E(STAFF, FILE),
    "workspace.reject": E(STAFF, FILE),
    "workspace.drop_out": E(STAFF, FILE),
    "workspace.mentor": E(STAFF, FILE),
    "workspace.stage": E(STAFF, FILE),
    "workspace.assessment": E(STAFF, FILE),
    "workspace.duplicates": E((RV,), FILE),
    "sessions.index": E(STAFF),
    "sessions.new": E(STAFF),
    "sessions.show": E(STAFF, {"session_id": "session"}),
    "sessions.check_in": E(STAFF, {"session_id": "session"}),
    "sessions.cancel": E(STAFF, {"session_id": "session"}, acts=True),  # the message is optional
    "sessions.attendance": E(STAFF, {"session_id": "session", "convocation_id": "session_convocation"}),
    "sessions.notes": E(STAFF, {"session_id": "session", "convocation_id": "session_convocation"}, acts=True),
    "outcomes.edit": E(STAFF, FILE, acts=True),  # the first save of an outcome may leave every field blank
    "outcomes.financing": E(STAFF, {**FILE, "decision_id": "financing"}),
    "outcomes.history": E(STAFF, FILE),
    # -- admins ------------------------------------------------------------------------------------------------
    "admin.users": E((AD,)),
    "admin.user": E((AD,), {"user_id": "user"}),
    "admin.change": E((AD,), {"user_id": "user"}),
    "admin.activation": E((AD,), {"user_id": "user", "action": ("activate", "activate")}),
    "admin.invite_form": E((AD,)),
    "admin.invite": E((AD,)),
    "admin.revoke": E((AD,), {"invitation_id": "invitation"}, acts=True),
    "audit_log.index": E((AD,)),
    "audit_log.export": E((AD,)),
    "reference_admin.sectors": E((AD,)),
    "reference_admin.new_sector": E((AD,)),
    "reference_admin.add_sector": E((AD,)),
    "reference_admin.sector": E((AD,), {"sector_id": "sector"}),
    "reference_admin.rename_sector": E((AD,), {"sector_id": "sector"}),
    "reference_admin.delete_sector": E((AD,), {"sector_id": "sector"}),  # in use: refused
    "reference_admin.places": E((AD,)),
    "reference_admin.place": E((AD,), {"kind": ("province", "province"), "place_id": "place"}),
    "reference_admin.rename_place": E((AD,), {"kind": ("province", "province"), "place_id": "place"}),
    "programmes_admin.index": E((AD,)),
    "programmes_admin.new": E((AD,)),
    "programmes_admin.show": E((AD,), {"programme_id": "programme"}),
    "programmes_admin.edit": E((AD,), {"programme_id": "programme"}),
    "programmes_admin.edition": E((AD,), {"programme_id": "programme"}),
    # A field left out keeps the value the form was drawn with (WTForms): an empty POST publishes the built-in
    # text, saves the line as it is.
    "programmes_admin.consent_text": E((AD,), {"programme_id": "programme"}, acts=True),
    "programmes_admin.item": E((AD,), {"programme_id": "programme", "grid_key": ("stages", "stages"),
                                       "item_id": "grid_item"}, acts=True),
    "programmes_admin.move": E((AD,), {"programme_id": "programme", "grid_key": ("stages", "stages"),
                                       "item_id": "grid_item", "direction": ("down", "down")}, acts=True),
    "programmes_admin.remove": E((AD,), {"programme_id": "programme", "grid_key": ("stages", "stages"),
                                         "item_id": "grid_item"}, acts=True),
    "erasure_admin.requests": E((AD,)),
    # Without a queue (JISR_REDIS_URL unset here) the failed jobs' actions do not exist: 404 for admins too.
    "jobs_admin.index": E((AD,)),
    "jobs_admin.act": E((AD,), {"job_id": ("0" * 32, "0" * 32), "action": ("delete", "delete")}, ok=404,
                        expect={(ADMIN, "out"): 404}),
    "erasure_admin.decide": E((AD,), {"request_id": "erasure_request", "decision": ("refuse", "refuse")}),
    "stats.dashboard": E((CO,)),
    "stats.export_dashboard": E((CO,), {"fmt": ("csv", "csv")}),
    "stats.export_files": E((CO,), {"fmt": ("csv", "csv")}),
    # Her own exports only: another's is a 404, to admins too. Without a queue, asking leads to the streamed download.
    "exports.index": E((CO,)),
    "exports.ask": E((CO,)),
    "exports.download": E((CO,), {"export_id": "export"}),
    # -- API tokens and the API --------------------------------------------------------------------------------
    "api_tokens.index": E(SIGNED_IN),
    "api_tokens.create": E(SIGNED_IN),
    "api_tokens.revoke": E(SIGNED_IN, {"token_id": "token"}, acts=True),
    "api.Files": E(TOKEN),
    "api.OneFile": E(TOKEN, {"file_id": "file"}, expect={REP: 404}),
    "api.Incubators": E(TOKEN),
    "api.Statistics": E((CO,)),
}

# -- the cases: every rule of the URL map × role × inside / outside ----------------------------------------------


def _url_map():
    """The URL map of an app built like the tests' (no database is opened)."""
    from conftest import TestConfig

    from jisr import create_app
    from jisr.extensions import db

    saved = os.environ.get("JISR_DATABASE_URL")
    try:
        app = create_app(TestConfig("sqlite://", tempfile.gettempdir()))
    finally:
        if saved is None:
            os.environ.pop("JISR_DATABASE_URL", None)
        else:
            os.environ["JISR_DATABASE_URL"] = saved
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()
    return app.url_map


URL_MAP = _url_map()
RULES = sorted(URL_MAP.iter_rules(), key=lambda r: (r.endpoint, r.rule))


def _arguments(rule) -> list[str]:
    """The rule's variables in the order of its path (a rule's defaults are not in its path)."""
    return sorted((name for name in rule.arguments if name not in (rule.defaults or {})), key=rule.rule.index)


def _objects(rule, spec: E) -> list[str]:
    """The parameters of the rule that name an object of the world (not a literal)."""
    return [name for name in _arguments(rule) if isinstance(spec.params.get(name), str)]


@dataclass(frozen=True)
class Case:
    rule: object
    method: str
    role: str
    where: str  # in, out, mix (her parent, another's child), cross (her parent, her child of another parent), or
    # "-" when the rule names no object

    @property
    def id(self) -> str:
        return f"{self.method} {self.rule.rule} [{self.rule.endpoint}] {self.role} {self.where}"


def _cases() -> list[Case]:
    cases = []
    for rule in RULES:
        spec = TABLE.get(rule.endpoint)
        if spec is None:
            continue  # reported by test_every_rule_of_the_url_map_is_in_the_table
        methods = [m for m in ("GET", "POST") if m in rule.methods]
        objects = _objects(rule, spec)
        wheres = ["-"] if not objects and not any(isinstance(p, tuple) and p[0] != p[1]
                                                  for p in spec.params.values()) else ["in", "out"]
        if len(objects) > 1:
            wheres.append("mix")
        cross = SIBLING_ROLES.get(spec.params[objects[-1]], set()) if len(objects) > 1 else set()
        cases += [Case(rule, method, role, where) for method in methods for role in ROLES
                  for where in wheres + (["cross"] if role in cross else [])]
    return cases


CASES = _cases()


def _allowed(spec: E, role: str) -> bool:
    if spec.needs == PUBLIC:
        return True
    if role == ANON:
        return False
    if spec.needs in (SIGNED_IN, TOKEN):
        return True
    return any(p in ROLE_PERMISSIONS[Role(role)] for p in spec.needs)


def expected(spec: E, case: Case, api: bool):
    for key in ((case.role, case.where), case.role) + ((SIGNED,) if case.role != ANON else ()):
        if key in spec.expect:
            return spec.expect[key]
    if not _allowed(spec, case.role):
        if case.role == ANON:
            return 401 if api else LOGIN
        return 403
    if case.where in ("out", "mix", "cross"):
        return 404
    if spec.ok is not None:
        return spec.ok
    return DONE if case.method == "POST" else OK


def _path(case: Case, spec: E, world: World) -> str:
    objects = _objects(case.rule, spec)
    values = {}
    for name in _arguments(case.rule):
        kind = spec.params[name]
        if isinstance(kind, tuple):
            values[name] = kind[0 if case.where in ("in", "-") else 1]
            continue
        where = case.where
        if where in ("mix", "cross"):  # her own parent; another's child, or one of hers of another parent
            where = ("out" if where == "mix" else "sibling") if name == objects[-1] else "in"
        values[name] = world.value(kind, case.role, "in" if where == "-" else where)
    built = case.rule.build(values, append_unknown=False)
    assert built is not None, f"cannot fill {case.rule.rule} with {values}"
    return built[1]


#: What an empty form sends: its CSRF token alone (the tests switch the check off, so any value does). A body with
#: no field at all would make Flask-WTF fill the forms from their defaults, as if they had not been posted.
EMPTY_FORM = {"csrf_token": "matrix"}

# -- the world, once per module --------------------------------------------------------------------------------

_WORLD: list[World] = []


@pytest.fixture(scope="module")
def app(_schema):
    """This module's app context lasts the module, so the world built by the first case serves every case (the
    conftest's `app` empties the tables after each test)."""
    from conftest import _empty_tables

    from jisr.extensions import db

    with _schema.app_context():
        yield _schema
        _WORLD.clear()
        db.session.rollback()
        _empty_tables()
        db.session.remove()


@pytest.fixture
def world(request, app) -> World:
    if not _WORLD:
        names = ("db", "province", "programme", "make_programme", "make_user", "make_file", "make_incubator",
                 "make_call", "make_association")
        fx = SimpleNamespace(**{name: request.getfixturevalue(name) for name in names})
        with app.test_request_context():
            _WORLD.append(build(fx))
    return _WORLD[0]


@contextmanager
def sandbox(db):
    """The app's commits only flush; every statement that writes is noted; all is rolled back at the end."""
    writes: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
            writes.append(statement)

    session = db.session()
    session.commit = session.flush
    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield writes
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)
        del session.commit
        db.session.rollback()


# -- the tests -------------------------------------------------------------------------------------------------

def test_every_rule_of_the_url_map_is_in_the_table():
    missing = sorted({rule.endpoint for rule in RULES} - set(TABLE))
    assert not missing, f"endpoints without a line in TABLE (who may reach them, with what): {missing}"


def test_every_line_of_the_table_names_an_endpoint_of_the_url_map():
    gone = sorted(set(TABLE) - {rule.endpoint for rule in RULES})
    assert not gone, f"lines of TABLE for endpoints that no longer exist: {gone}"


def test_every_parameter_of_every_rule_is_filled():
    unfilled = sorted(f"{rule.endpoint}: {name}" for rule in RULES if rule.endpoint in TABLE
                      for name in _arguments(rule) if name not in TABLE[rule.endpoint].params)
    assert not unfilled


def _location_path(response) -> str:
    return urlsplit(response.headers.get("Location", "")).path


def _check(answer, response) -> bool:
    status = response.status_code
    to_login = status in (301, 302, 303, 307, 308) and _location_path(response) == "/account/login"
    if answer == LOGIN:
        return to_login
    if answer == REDIRECT:
        return status in (301, 302, 303, 307, 308) and not to_login
    if answer == DONE:
        return status < 500 and status not in (401, 403, 404) and not to_login
    return status == answer


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_route_answers_each_role_inside_and_outside_its_scope(case, world, app, db):
    spec = TABLE[case.rule.endpoint]
    api = case.rule.endpoint.startswith("api.")
    answer = expected(spec, case, api)
    path = _path(case, spec, world)
    client = app.test_client()
    headers = {}
    if case.role != ANON:
        if api:
            headers["Authorization"] = f"Bearer {world.tokens[case.role]}"
        else:
            with client.session_transaction() as session:
                session["_user_id"] = str(world.users[case.role])
                session["_fresh"] = True
    with sandbox(db) as writes:
        response = client.open(path, method=case.method, headers=headers,
                               data=EMPTY_FORM if case.method == "POST" else None)
        body = response.get_data()
        response.close()
        committed = response.status_code < 400 and bool(writes)
    status = response.status_code
    where = f"{case.method} {path} as {case.role} ({case.where})"
    assert status < 500, f"{where}: {status}"
    assert _check(answer, response), (
        f"{where}: expected {answer}, got {status} {response.headers.get('Location', '')}\n"
        f"{body.decode(errors='replace')[:1500]}")
    refused = answer in (LOGIN, 401, 403, 404)
    if refused or (case.method == "POST" and not spec.acts):
        assert not committed, f"{where}: {status} but it changed: {writes[:5]}"
    if response.mimetype.startswith("text/") or response.mimetype.endswith("json"):
        text = body.decode(errors="replace")
        leaked = [secret for secret in world.secrets[case.role] if secret in text]
        assert not leaked, f"{where}: the answer shows what is outside her scope: {leaked}"

