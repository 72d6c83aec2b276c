"""Bad input everywhere (issue 9). Every form of every role, read from the page that draws it, is posted with
generated data (bidi controls, NUL, 10,000 characters, Arabic-Indic and Persian digits, numbers and dates out of
range or malformed, lists for scalars, files for text, JSON bodies, fields missing or added, the same post
twice): never a 500; a refusal shows an error in the reader's language and leaves the database as it was.
Each text field, in turn, gets a bidi control: refused, or stored without it. The worlds are in
tests/bad_input_worlds.py, one per endpoint of the URL map that accepts POST (a new one fails the first test
until it has its world); the forms' bases, fields and validators are the app's own (jisr.forms, jisr.fields,
jisr.validators); numbers in the address never break a list.

JISR_BAD_INPUT_EXAMPLES sets the generated posts per form (default 6, a couple of minutes for the file);
JISR_BAD_INPUT_SHRINK=0 skips shrinking a failure (quicker when hunting)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po
from bad_input import (
    ARABIC_LETTER,
    changed_tables,
    fingerprint,
    hidden_controls,
    page_language,
    read_forms,
    short,
    shown_errors,
    submission,
)
from bad_input_worlds import FORMS, World
from conftest import REFERENCE_TABLES
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from journey import png_bytes
from werkzeug.datastructures import MultiDict

EXAMPLES = int(os.environ.get("JISR_BAD_INPUT_EXAMPLES", "6"))
PHASES = [phase for phase in Phase if phase is not Phase.shrink or os.environ.get("JISR_BAD_INPUT_SHRINK") != "0"]
LANGUAGES = ("ar", "fr")


def _english_messages() -> set[str]:
    """Messages as written in the code, where French has its own words: shown to a French reader, they are
    untranslated."""
    import wtforms

    found = set()
    catalogues = [Path(__file__).resolve().parent.parent / "translations/fr/LC_MESSAGES/messages.po",
                  Path(wtforms.__file__).parent / "locale/fr/LC_MESSAGES/wtforms.po"]
    for path in catalogues:
        with path.open("rb") as file:
            for message in read_po(file):
                if message.id and isinstance(message.id, str) and message.string and message.string != message.id:
                    found.add(message.id)
    return found


ENGLISH = _english_messages()


def post_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}


def test_every_form_of_the_app_has_its_world(app):
    """A POST route without a line in bad_input_worlds.FORMS fails here: new forms cannot be forgotten."""
    posted = post_endpoints(app)
    assert sorted(posted - set(FORMS)) == [], "add these endpoints to tests/bad_input_worlds.py FORMS"
    assert sorted(set(FORMS) - posted) == [], "these endpoints no longer accept POST: remove them from FORMS"


def _app_forms(base):
    for cls in base.__subclasses__():
        if cls.__module__.startswith("jisr."):
            yield cls
        yield from _app_forms(cls)


def test_every_form_reads_digits_and_speaks_the_readers_language(app):
    """The app's own bases and fields everywhere, so a new form cannot miss them: forms read only the form body
    (jisr.forms), numbers, dates and times accept Arabic-Indic and Persian digits (jisr.fields), lengths are told
    in the reader's language (jisr.validators.Length)."""
    import wtforms
    from wtforms.fields.core import UnboundField

    from jisr import fields, forms, validators

    plain = {wtforms.IntegerField: fields.IntegerField, wtforms.DecimalField: fields.DecimalField,
             wtforms.DateField: fields.DateField, wtforms.TimeField: fields.TimeField}
    found = set(_app_forms(wtforms.Form))
    assert len(found) > 40
    problems = []
    for cls in found:
        if not issubclass(cls, forms.Form | forms.FlaskForm):
            problems.append(f"{cls.__module__}.{cls.__name__} derives from neither jisr.forms.Form nor FlaskForm")
        for name in dir(cls):
            unbound = getattr(cls, name, None)
            if not isinstance(unbound, UnboundField):
                continue
            if unbound.field_class in plain:
                problems.append(f"{cls.__name__}.{name}: use {plain[unbound.field_class].__module__}."
                                f"{plain[unbound.field_class].__name__}")
            for validator in unbound.kwargs.get("validators") or ():
                if type(validator) is wtforms.validators.Length:
                    problems.append(f"{cls.__name__}.{name}: use {validators.Length.__module__}.Length")
    assert problems == []


LISTS = ["/calls/", "/calls/admin/", "/admin/users/", "/admin/audit/", "/coordination/files/",
         "/coordination/waitlist/", "/selection/reviews/", "/incubators/", "/incubators/admin/"]


@pytest.mark.parametrize("page", ["99999999999999999999", "-3", "٢", "x", "9" * 5000])
def test_numbers_in_the_address_never_break_a_list(client, auth, make_user, page):
    """?page= beyond any list (its OFFSET overflowed PostgreSQL's bigint) is an empty page; a file to convene
    that no integer column can hold is none."""
    auth.login_as(make_user(role="admin"))
    for path in LISTS:
        assert client.get(f"{path}?page={page}").status_code == 200, path
    auth.login_as(make_user(role="incubator_manager"))
    for path in ("/workspace/", "/workspace/sessions/", f"/workspace/sessions/new?application_id={page}"):
        assert client.get(f"{path}?page={page}" if "?" not in path else path).status_code == 200, path
    assert client.post("/workspace/sessions/new", data={"files": [page, "²", "3"]}).status_code == 422


@pytest.fixture
def world(app, programme, make_user, make_programme, make_file, make_workspace, make_call, make_association,
          province, journey_ids):
    return World(app, app.test_client(), programme, make_user, make_programme, make_file, make_workspace,
                 make_call, make_association, province, journey_ids)


@pytest.fixture
def fresh_start(app, db, programme):
    """Back to the database the test started with (its programme, the reference data as loaded), between two
    worlds and after the test: what the admins' forms changed in regions, provinces and sectors is put back."""
    names = (REFERENCE_TABLES - {"alembic_version"}) | {"programmes", "programme_provinces"}
    kept = [table for table in db.metadata.sorted_tables if table.name in names]  # parents first
    saved = {table.name: [dict(row._mapping) for row in db.session.execute(sa.select(table))] for table in kept}
    db.session.rollback()

    def restore():
        db.session.rollback()
        for table in reversed(db.metadata.sorted_tables):
            if table.name == "alembic_version":
                continue
            query = table.delete()
            if table in kept and "id" in table.c:
                query = query.where(table.c.id.not_in([row["id"] for row in saved[table.name]]))
            db.session.execute(query)
        for table in kept:
            now = {row.id: dict(row._mapping) for row in db.session.execute(sa.select(table))} \
                if "id" in table.c else {}
            for row in saved[table.name]:
                if "id" not in table.c or row["id"] not in now:
                    db.session.execute(table.insert().values(**row))
                elif now[row["id"]] != row:
                    db.session.execute(table.update().where(table.c.id == row["id"]).values(**row))
        db.session.commit()
        db.session.expire_all()

    yield restore
    restore()


def _body(pairs) -> MultiDict:
    """A fresh body for each post (a file is read once)."""
    return MultiDict([(name, (io.BytesIO(value[0]), value[1], value[2]) if isinstance(value, tuple) else value)
                      for name, value in pairs])


def _json(pairs) -> dict:
    """The same values as a JSON body, with the types JSON allows where the form expects text."""
    body: dict = {"nested": {"list": [1, None, True, 2.5]}}
    for name, value in pairs:
        if not isinstance(value, tuple):
            body.setdefault(name, []).append(value)
    return {name: values[0] if isinstance(values, list) and len(values) == 1 else values
            for name, values in body.items()}


def _frozen(pairs):
    return [(name, (value[0].getvalue(), value[1], value[2]) if isinstance(value, tuple) else value)
            for name, value in pairs]


def _asked_language(pairs, chosen: str, as_json: bool) -> str:
    """The page's language: the form's language button when it was pressed, else the reader's choice."""
    switch = None if as_json else next((value for name, value in pairs if name == "switch_lang"), None)
    return switch if switch in LANGUAGES else chosen


#: Tables a refusal writes by design: a failed sign-in counts towards the lock-out (jisr/auth/lockout.py).
COUNTED_WHEN_REFUSED = {"sign_in_locks"}


def check_response(db, response, before, after, pairs, lang: str, as_json: bool, where: str) -> None:
    text = response.get_data(as_text=True)
    posted = short(pairs)
    assert response.status_code < 500, f"{where}: {response.status_code} for {posted!r}"
    changed = [table for table in changed_tables(before, after) if table not in COUNTED_WHEN_REFUSED]
    if response.status_code >= 400:
        assert changed == [], f"{where}: refused ({response.status_code}) but changed {changed} for {posted!r}"
        language = _asked_language(pairs, lang, as_json)
        assert page_language(text) == language, f"{where}: page not in {language} for {posted!r}"
        errors = shown_errors(text)
        assert errors, f"{where}: {response.status_code} without an error shown for {posted!r}:\n{text[:4000]}"
        if response.status_code == 422:  # the form again: its error summary, or the service's refusal above it
            assert 'id="error-summary"' in text or 'class="flash flash-error"' in text, \
                f"{where}: 422 without its error summary for {posted!r}"
        for message in errors:
            if language == "ar":
                assert ARABIC_LETTER.search(message), f"{where}: not in Arabic: {message!r} for {posted!r}"
            else:
                assert message not in ENGLISH, f"{where}: not in French: {message!r} for {posted!r}"
    elif changed:
        hidden = hidden_controls(db, changed)
        assert hidden == [], f"{where}: stored with hidden controls: {hidden} for {posted!r}"


class Bench:
    """One endpoint's world, and posts to its form as a signed-in user of its role; the world is built again from
    an empty database whenever an accepted post changed it."""

    def __init__(self, endpoint: str, app, db, world, fresh_start) -> None:
        self.endpoint, self.case = endpoint, FORMS[endpoint]
        self.app, self.db, self.world, self.fresh_start = app, db, world, fresh_start
        self.built = self.dirty = False

    def ready(self) -> None:
        if self.built and not self.dirty:
            return
        if self.built:
            self.fresh_start()
        self.target = self.case.setup(self.world)
        role = self.target.user.role if self.target.user is not None else "anonymous"
        assert role == self.case.role, f"{self.endpoint}: the world signs in a {role}, FORMS says {self.case.role}"
        self.forms = {}
        for path in self.target.paths:
            self.world.sign_in(self.target.user)
            page = self.target.page or path
            response = self.world.client.get(page)
            assert response.status_code == 200, (page, response.status_code)
            self.forms[path] = read_forms(response.get_data(as_text=True), page, self.target.like.get(path, path))
        self.db.session.rollback()
        self.built, self.dirty = True, False

    def client(self, lang: str):
        client = self.app.test_client()
        with client.session_transaction() as session:
            if self.target.user is not None:
                session["_user_id"] = str(self.target.user.id)
                session["_fresh"] = True
            session["lang"] = lang
        return client

    def post(self, client, path: str, pairs, lang: str, as_json: bool = False, multipart: bool = False,
             attempt: int = 1) -> None:
        """Post, then check what the response and the database say (check_response)."""
        before = fingerprint(self.db)
        if as_json:
            response = client.post(path, json=_json(pairs))
        else:
            response = client.post(path, data=_body(pairs), content_type="multipart/form-data" if multipart else None)
        after = fingerprint(self.db)
        check_response(self.db, response, before, after, pairs, lang, as_json,
                       f"{self.endpoint} {path} (post {attempt})")
        self.dirty = self.dirty or before != after


@pytest.fixture
def bench(app, db, world, fresh_start):
    return lambda endpoint: Bench(endpoint, app, db, world, fresh_start)


@pytest.mark.parametrize("endpoint", sorted(FORMS))
def test_bad_input_never_breaks_a_form(endpoint, bench):
    """Generated posts: never a 500; a refusal in the reader's language, with nothing saved."""
    bench = bench(endpoint)

    @settings(max_examples=EXAMPLES, deadline=None, database=None, phases=PHASES,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large])
    @given(data=st.data())
    def post_bad_input(data):
        bench.ready()
        path = data.draw(st.sampled_from(bench.target.paths), label="path")
        form = data.draw(st.sampled_from(bench.forms[path]), label="form")
        lang = data.draw(st.sampled_from(LANGUAGES), label="lang")
        pairs, multipart = data.draw(submission(form, bench.target.valid), label="posted")
        pairs = _frozen(pairs)
        times = data.draw(st.sampled_from([1, 1, 1, 2]), label="times")  # the same form twice
        as_json = data.draw(st.sampled_from([False] * 7 + [True]), label="json body")
        client = bench.client(lang)
        for attempt in range(1, times + 1):
            bench.post(client, path, pairs, lang, as_json, multipart, attempt)

    post_bad_input()


TEXT_KINDS = {"text", "textarea", "search", "tel", "email", "url"}
SPIKES = ("\u202e", "\u2067", "\u200f")  # an override, an isolate, a mark


def _spiked(value: str, spike: str) -> str:
    value = value or "Texte"
    return value[: len(value) // 2] + spike + value[len(value) // 2:]


def _texts(form) -> list[str]:
    return sorted(name for name, control in form.controls.items() if control.kind in TEXT_KINDS)


def _spiked_post(form, valid: dict, number: int) -> list:
    """The form with its valid values and files, its `number`th text field spiked with a bidi control."""
    values = {**form.sent(), **{name: v if isinstance(v, list) else [v] for name, v in valid.items()}}
    name = _texts(form)[number]
    values[name] = [_spiked((values.get(name) or [""])[0], SPIKES[number % len(SPIKES)])]
    pairs = [(key, value) for key, listed in values.items() for value in listed]
    return pairs + [(key, (png_bytes(), "photo.png", "image/png"))
                    for key, control in form.controls.items() if control.kind == "file"]


@pytest.mark.parametrize("endpoint", sorted(FORMS))
def test_no_text_is_stored_with_a_hidden_direction_control(endpoint, bench):
    """Each text field of each form, in turn, gets a bidi control in its valid value: the post is refused, or what
    is stored has none (staff must read names and notes as typed, not reordered)."""
    bench = bench(endpoint)
    bench.ready()
    for path in bench.target.paths:
        for index, form in enumerate(bench.forms[path]):
            for number in range(len(_texts(form))):
                bench.ready()  # built again after an accepted post: its identifiers may have changed
                posted = _spiked_post(bench.forms[path][index], bench.target.valid, number)
                bench.post(bench.client("fr"), path, posted, "fr", multipart=form.multipart)
