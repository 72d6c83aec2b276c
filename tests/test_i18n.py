"""Languages: the choice order of PRODUCT.md, Moroccan formatting, and complete catalogues."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale, gettext

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ["ar", "fr"]


def html_tag(response) -> str:
    return re.search(r"<html[^>]*>", response.data.decode()).group(0)


def test_arabic_is_the_default(client):
    assert html_tag(client.get("/")) == '<html lang="ar" dir="rtl">'


def test_accept_language_is_used_without_a_choice(client):
    response = client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})
    assert html_tag(response) == '<html lang="fr" dir="ltr">'


def test_lang_parameter_wins_and_sticks_for_the_following_pages(client):
    assert html_tag(client.get("/?lang=fr", headers={"Accept-Language": "ar"})) == '<html lang="fr" dir="ltr">'
    assert html_tag(client.get("/healthz") and client.get("/", headers={"Accept-Language": "ar"})) == \
        '<html lang="fr" dir="ltr">'
    assert html_tag(client.get("/?lang=ar")) == '<html lang="ar" dir="rtl">'


def test_unknown_language_is_ignored(client):
    assert html_tag(client.get("/?lang=xx")) == '<html lang="ar" dir="rtl">'


def test_the_saved_choice_of_a_signed_in_user_is_used(client, auth, make_user, db):
    user = make_user(locale="fr")
    auth.login_as(user)
    assert html_tag(client.get("/")) == '<html lang="fr" dir="ltr">'
    client.get("/?lang=ar")
    db.session.refresh(user)
    assert user.locale == "ar"


def test_language_switcher_keeps_the_current_page_and_its_query(client):
    page = client.get("/applications/?lang=ar&x=1", follow_redirects=False)
    page = client.get("/?lang=ar&page=2").data.decode()
    assert 'href="/?lang=fr&amp;page=2"' in page or 'href="/?page=2&amp;lang=fr"' in page


def test_dates_and_numbers_are_formatted_as_moroccans_write_them(app):
    from datetime import date

    from flask_babel import force_locale, format_date, format_decimal

    with app.test_request_context(), force_locale("ar_MA"):
        assert format_date(date(2026, 11, 23), "long") == "23 نونبر 2026"
        assert format_decimal(1234567.5) == "1.234.567,5"
    with app.test_request_context(), force_locale("fr_MA"):
        assert format_date(date(2026, 11, 23), "long") == "23 novembre 2026"


@pytest.mark.parametrize("locale", ["ar_MA", "fr_MA", "ar", "fr", "hi_IN"])
def test_the_number_filter_writes_numbers_as_babel_does(app, locale):
    from flask_babel import force_locale, format_decimal

    from jisr.main.filters import number, number_formatter

    with app.test_request_context(), force_locale(locale):
        figure = number_formatter()
        for n in (0, 5, 999, 1000, 43210, 1234567, 98765432101):  # whole numbers take a short cut
            assert number(n) == figure(n) == format_decimal(n)
        assert figure(2.5) == number(2.5) and figure(None) == ""
        assert number(None) == "" and number(-1234) == format_decimal(-1234)
        assert number(2.5, 1) == format_decimal(2.5, format="#,##0.0") and number(10, 1).endswith("0")
    with app.test_request_context(), force_locale("fr_MA"):
        assert (number(3, 1), number(1234.56, 1)) == ("3,0", "1\u202f234,6")


def test_reference_data_is_shown_in_the_reader_language(client, auth, draft):
    _user, application = draft()
    ar = client.get(f"/applications/{application.id}/identity?lang=ar").data.decode()
    fr = client.get(f"/applications/{application.id}/identity?lang=fr").data.decode()
    assert "الرشيدية" in ar and "درعة تافيلالت" in ar
    assert "Errachidia" in fr and "Drâa-Tafilalet" in fr


def test_wtforms_own_messages_are_in_the_user_language(client, draft):
    _user, application = draft()
    fr = client.post(f"/applications/{application.id}/identity?lang=fr", data={}).data.decode()
    assert "Ce champ est requis." in fr


# --- catalogues ------------------------------------------------------------------------------------

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]|\{\w*\}")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run([str(Path(sys.executable).with_name("pybabel")), "extract", "-F", "babel.cfg", "-k", "_l",
                    "-o", str(pot), "."], cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as handle:
        return {m.id: m for m in read_po(handle) if m.id}


def test_extraction_reads_every_template_and_module_that_has_messages(extracted):
    """pybabel silently skips some folders (e.g. names starting with "_"): nothing may be left out."""
    seen = {location for message in extracted.values() for location, _line in message.locations}
    for path in sorted((ROOT / "jisr").rglob("*")):
        if path.suffix in (".html", ".py") and re.search(r"\b_l?\(\s*[\"']", path.read_text(encoding="utf-8")):
            assert str(path.relative_to(ROOT)) in seen, f"{path} has messages that extraction does not see"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogue_is_complete_without_fuzzy_entries_and_with_matching_placeholders(extracted, lang):
    path = ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalogue = read_po(handle)
    have = {m.id: m for m in catalogue if m.id}
    missing = sorted(str(k) for k in extracted if k not in have)
    assert not missing, f"{len(missing)} messages missing from {lang}: {missing[:5]}"
    problems = []
    for key in extracted:
        message = have[key]
        if message.fuzzy:
            problems.append(("fuzzy", key))
        ids = key if isinstance(key, tuple) else (key,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            problems.append(("untranslated", key))
            continue
        wanted = sorted(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            if sorted(PLACEHOLDER.findall(string)) != wanted:
                problems.append(("placeholders differ", key))
    assert not problems, f"{len(problems)} problems in {lang}: {problems[:5]}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_compiled_catalogue_is_not_older_than_its_source(lang):
    po = ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime, "run `make translations`"


def test_templates_follow_a_forced_locale_inside_a_request(app):
    """Templates' messages come from a per-request cache (jisr/i18n._translations): a message rendered in her
    language for an SMS or a PDF, within a page in another, must not be read from it."""
    from flask import render_template_string

    with app.test_request_context("/?lang=ar"):
        assert render_template_string("{{ _('Saved.') }}") == gettext("Saved.") != "Saved."
        with force_locale("fr"):
            assert render_template_string("{{ _('Saved.') }}") == "Enregistré."
        assert render_template_string("{{ _('Saved.') }}") == gettext("Saved.")
