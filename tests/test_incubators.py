"""Incubators through the HTTP client: the public directory in both languages with its filters; the manager's
page, reached by her alone, where she keeps her public details up to date (a larger capacity or better
accessibility routes waiting files at once); the admins' list with loads."""

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext
from markupsafe import escape

from jisr.applications.models import Application, Status
from jisr.audit.models import AuditEntry
from jisr.geo.models import Sector
from jisr.incubators import services
from jisr.incubators.models import Incubator
from jisr.routing import services as routing
from jisr.routing.models import RoutingDecision, Trigger


def words(lang: str, message: str, **values) -> str:
    """A message as the page shows it in `lang`: the translation as written, its values escaped."""
    with force_locale(lang):
        return str(gettext(message, **{name: escape(value) for name, value in values.items()}))


def fresh(db, model, object_id):
    db.session.expire_all()
    return db.session.get(model, object_id)


def audit(db, action):
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


def count_queries(db, client, path: str) -> int:
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert client.get(path).status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)
    return len(statements)


@pytest.fixture
def manager(make_user, make_incubator):
    """A manager and the incubator she runs (Errachidia, 10 places)."""
    incubator = make_incubator(name_ar="جمعية الواحة", name_fr="Association Oasis")
    return make_user(role="incubator_manager", incubator_id=incubator.id), incubator


def details(incubator, **changes):
    """The details form as the manager's page fills it, with `changes`."""
    data = {"details-name_ar": incubator.name_ar, "details-name_fr": incubator.name_fr,
            "details-address": incubator.address, "details-phone": incubator.phone or "",
            "details-email": incubator.email or "", "details-capacity": str(incubator.capacity)}
    data.update({f"details-{flag}": "y" for flag in ("step_free_access", "accessible_toilets", "sign_language")
                 if getattr(incubator, flag)})
    for name, value in changes.items():
        if value is False:
            data.pop(f"details-{name}", None)
        else:
            data[f"details-{name}"] = "y" if value is True else value
    return data


# -- the public directory ---------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_the_directory_lists_active_incubators_by_region_and_province_in_the_readers_language(
        client, db, make_incubator, province, lang):
    make_incubator(provinces=["errachidia", "midelt"], sectors=["handicrafts"], name_ar="جمعية الواحة",
                   name_fr="Association Oasis", email="contact@oasis.ma", step_free_access=True)
    make_incubator(name_ar="جمعية مغلقة", name_fr="Association Fermée", active=False)
    page = client.get(f"/incubators/?lang={lang}")
    text = page.data.decode()
    assert page.status_code == 200 and f'<html lang="{lang}"' in text
    errachidia, midelt = province("errachidia"), province("midelt")
    name = "جمعية الواحة" if lang == "ar" else "Association Oasis"
    assert text.count(f"<h4>{name}</h4>") == 2  # under each province it covers
    for shown in (errachidia, midelt, errachidia.region):
        assert getattr(shown, f"name_{lang}") in text
    assert "Association Fermée" not in text and "جمعية مغلقة" not in text
    assert '<bdi dir="ltr">05 35 00 00 01</bdi>' in text and '<bdi dir="ltr">contact@oasis.ma</bdi>' in text
    sector = db.session.scalar(sa.select(Sector).where(Sector.code == "handicrafts"))
    assert str(escape(getattr(sector, f"name_{lang}"))) in text
    # Accessibility is said in words, what there is and what there is not.
    assert words(lang, "Step-free access to the premises (ramp or lift)") in text
    assert words(lang, "No accessible toilets") in text
    assert words(lang, "No sign language interpretation") in text


def test_a_generalist_incubator_says_so(client, make_incubator):
    make_incubator(name_fr="Association Générale")
    text = client.get("/incubators/?lang=fr").data.decode()
    assert words("fr", "Generalist: every sector") in text


def test_the_directory_filters_by_region_and_by_province(client, db, make_incubator, province):
    make_incubator(provinces=["errachidia"], name_fr="Association Ziz")
    make_incubator(provinces=["midelt"], name_fr="Association Moulouya")
    make_incubator(provinces=["fes"], name_fr="Association Fès")
    draa, fes = province("errachidia").region, province("fes").region
    assert draa.id != fes.id

    def shown(query):
        page = client.get(f"/incubators/?lang=fr&{query}")
        assert page.status_code == 200
        text = page.data.decode()
        return {name for name in ("Association Ziz", "Association Moulouya", "Association Fès") if name in text}

    assert shown("") == {"Association Ziz", "Association Moulouya", "Association Fès"}
    assert shown(f"region={draa.id}") == {"Association Ziz", "Association Moulouya"}
    assert shown(f"province={province('midelt').id}") == {"Association Moulouya"}
    assert shown(f"region={draa.id}&province={province('midelt').id}") == {"Association Moulouya"}
    # A province of another region than the one chosen: the region was changed, the whole region is shown.
    assert shown(f"region={fes.id}&province={province('midelt').id}") == {"Association Fès"}
    # Filters that mean nothing are no filters, and no error.
    assert shown("region=abc&province=99999&page=-4") == {"Association Ziz", "Association Moulouya",
                                                           "Association Fès"}
    empty = client.get(f"/incubators/?lang=fr&province={province('zagora').id}").data.decode()
    assert "Association" not in empty.split("results-title")[1].split("</main>")[0]


def test_the_directory_is_a_fixed_number_of_queries_whatever_the_number_of_incubators(client, db, make_incubator):
    make_incubator(sectors=["handicrafts"])
    few = count_queries(db, client, "/incubators/")
    for n in range(8):
        make_incubator(provinces=["errachidia", "midelt"], sectors=["handicrafts", "agriculture"][: n % 2 + 1])
    assert count_queries(db, client, "/incubators/") == few


def test_the_directory_is_paginated(client, make_incubator, monkeypatch):
    monkeypatch.setattr(services, "DIRECTORY_PAGE_SIZE", 2)
    for name in ("Association A", "Association B", "Association C"):
        make_incubator(name_fr=name)
    first = client.get("/incubators/?lang=fr").data.decode()
    assert "Association A" in first and "Association B" in first and "Association C" not in first
    assert 'rel="next"' in first
    second = client.get("/incubators/?lang=fr&page=2").data.decode()
    assert "Association C" in second and "Association A" not in second and 'rel="prev"' in second
    assert "Association C" in client.get("/incubators/?lang=fr&page=99").data.decode()  # the last page


def test_the_directory_needs_no_account_and_no_javascript(client, make_incubator):
    make_incubator()
    text = client.get("/incubators/").data.decode()
    assert '<form method="get"' in text and "<script" not in text


# -- who reaches the manager's page ------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/incubators/mine"])
def test_only_a_manager_reaches_her_incubators_page(client, auth, make_user, make_incubator, province, path):
    incubator = make_incubator()
    response = client.get(path)
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    for role in ("applicant", "agent", "representative", "coordinator"):
        auth.login_as(make_user(role=role, provinces=[province("errachidia")]))
        assert client.get(path).status_code == 403
    auth.login_as(make_user(role="mentor", incubator_id=incubator.id))
    assert client.get(path).status_code == 403
    auth.login_as(make_user(role="admin"))  # runs no incubator of her own
    assert client.get(path).status_code == 404
    auth.login_as(make_user(role="incubator_manager"))  # not attached to an incubator yet
    assert client.get(path).status_code == 404


def test_a_mentor_cannot_change_the_details_or_invite(client, auth, db, make_user, manager):
    _, incubator = manager
    auth.login_as(make_user(role="mentor", incubator_id=incubator.id))
    assert client.post("/incubators/mine/details", data=details(incubator, capacity="99")).status_code == 403
    assert client.post("/incubators/mine/invitations", data={"invite-full_name": "X"}).status_code == 403
    assert fresh(db, Incubator, incubator.id).capacity == 10


def test_a_manager_sees_and_changes_her_own_incubator_only(client, auth, db, make_user, make_incubator, manager):
    user, mine = manager
    other = make_incubator(name_fr="Association Voisine", name_ar="جمعية الجارة", capacity=4)
    make_user(role="incubator_manager", incubator_id=other.id)
    auth.login_as(user)
    text = client.get("/incubators/mine?lang=fr").data.decode()
    assert "Association Oasis" in text and "Association Voisine" not in text
    assert client.post("/incubators/mine/details", data=details(mine, capacity="12")).status_code == 303
    assert fresh(db, Incubator, mine.id).capacity == 12 and fresh(db, Incubator, other.id).capacity == 4


def test_the_managers_page_shows_load_against_capacity_and_her_mentors(client, auth, db, make_user, make_file,
                                                                        manager):
    user, incubator = manager
    for _ in range(3):
        routing.route(make_file())
    db.session.commit()
    make_user(role="mentor", incubator_id=incubator.id, full_name="Khadija Mentor")
    make_user(role="mentor", full_name="Someone Elsewhere")
    auth.login_as(user)
    text = client.get("/incubators/mine?lang=fr").data.decode()
    assert words("fr", "Files you accompany now") in text
    assert "<dd>3</dd>" in text and "<dd>7</dd>" in text  # 3 files, 7 places left of 10
    assert "Khadija Mentor" in text and "Someone Elsewhere" not in text


# -- the manager's details ---------------------------------------------------------------------------------

def test_the_manager_saves_her_public_details_normalised_and_audited(client, auth, db, manager):
    user, incubator = manager
    old_phone = incubator.phone
    auth.login_as(user)
    response = client.post("/incubators/mine/details", data=details(
        incubator, name_fr="Association Oasis du Ziz", address="12 avenue Moulay Ali Cherif, Errachidia",
        phone="0535 57 12 34", email="Contact@Oasis.MA", step_free_access=True, accessible_toilets=True))
    assert response.status_code == 303 and response.headers["Location"].endswith("/incubators/mine")
    saved = fresh(db, Incubator, incubator.id)
    assert (saved.name_fr, saved.phone, saved.email) == ("Association Oasis du Ziz", "+212535571234",
                                                         "contact@oasis.ma")
    assert saved.step_free_access and saved.accessible_toilets and not saved.sign_language
    [entry] = audit(db, "incubator.updated")
    assert entry.actor_id == user.id and entry.object_id == incubator.id
    assert entry.details["changes"]["phone"] == [old_phone, "+212535571234"]
    assert set(entry.details["changes"]) == {"name_fr", "address", "phone", "email", "step_free_access",
                                             "accessible_toilets"}
    # The directory shows the new details at once.
    assert "Association Oasis du Ziz" in client.get("/incubators/?lang=fr").data.decode()


def test_saving_unchanged_details_changes_and_audits_nothing(client, auth, db, manager):
    user, incubator = manager
    auth.login_as(user)
    assert client.post("/incubators/mine/details", data=details(incubator)).status_code == 303
    assert audit(db, "incubator.updated") == []


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_bad_details_get_422_with_the_errors_and_nothing_is_saved(client, auth, db, manager, lang):
    user, incubator = manager
    auth.login_as(user)
    response = client.post(f"/incubators/mine/details?lang={lang}", data=details(
        incubator, name_fr="", capacity="-3", phone="not a phone", email="nobody@", name_ar="<b>جمعية</b>",
        sign_language=True))
    assert response.status_code == 422
    text = response.data.decode()
    assert f'<html lang="{lang}"' in text and 'aria-invalid="true"' in text
    for field_id in ("details-name_fr", "details-capacity", "details-phone", "details-email", "details-name_ar"):
        assert f'href="#{field_id}"' in text  # each mistake in the error summary
    saved = fresh(db, Incubator, incubator.id)
    assert (saved.name_fr, saved.capacity, saved.sign_language) == ("Association Oasis", 10, False)
    assert audit(db, "incubator.updated") == []
    assert client.post("/incubators/mine/details", data=details(incubator, capacity="lots")).status_code == 422


def test_growing_the_capacity_routes_a_waitlisted_file_at_once(client, auth, db, make_user, make_incubator,
                                                               make_file):
    incubator = make_incubator(capacity=1)
    user = make_user(role="incubator_manager", incubator_id=incubator.id)
    placed, waiting = make_file(), make_file()
    routing.route(placed)
    routing.route(waiting)
    db.session.commit()
    assert waiting.status == Status.WAITLISTED
    auth.login_as(user)
    assert client.post("/incubators/mine/details", data=details(incubator, capacity="2")).status_code == 303
    waiting = fresh(db, Application, waiting.id)
    assert waiting.status == Status.ASSIGNED and waiting.incubator_id == incubator.id
    decision = db.session.scalar(sa.select(RoutingDecision).where(RoutingDecision.application_id == waiting.id)
                                 .order_by(RoutingDecision.id.desc()))
    assert decision.trigger == Trigger.CAPACITY


def test_offering_sign_language_routes_a_file_that_waited_for_it(client, auth, db, make_user, make_incubator,
                                                                 make_file):
    """She needs sign language: the only incubator offering it is full, so she waits rather than go to the
    one that has room but cannot receive her, until that one offers it too."""
    full = make_incubator(capacity=1, sign_language=True)
    roomy = make_incubator(capacity=5)
    user = make_user(role="incubator_manager", incubator_id=roomy.id)
    first = make_file(needs=("sign_language",))
    routing.route(first)
    waiting = make_file(needs=("sign_language",))
    routing.route(waiting)
    db.session.commit()
    assert first.incubator_id == full.id and waiting.status == Status.WAITLISTED
    auth.login_as(user)
    assert client.post("/incubators/mine/details", data=details(roomy, sign_language=True)).status_code == 303
    assert fresh(db, Application, waiting.id).incubator_id == roomy.id


def test_lowering_the_capacity_below_the_load_moves_nobody_out(client, auth, db, make_user, make_incubator,
                                                               make_file):
    incubator = make_incubator(capacity=2)
    user = make_user(role="incubator_manager", incubator_id=incubator.id)
    files = [make_file(), make_file()]
    for application in files:
        routing.route(application)
    db.session.commit()
    auth.login_as(user)
    response = client.post("/incubators/mine/details?lang=fr", data=details(incubator, capacity="1"),
                           follow_redirects=True)
    assert response.status_code == 200
    assert fresh(db, Incubator, incubator.id).capacity == 1
    assert all(fresh(db, Application, a.id).incubator_id == incubator.id for a in files)
    text = response.data.decode()
    assert words("fr", "You accompany more files than your capacity. Nobody is moved out: the files you have stay "
                       "with you, and no new file comes until places free.") in text
    # A new file of the area now waits.
    newcomer = make_file()
    routing.route(newcomer)
    assert newcomer.status == Status.WAITLISTED


def test_the_language_switch_on_the_details_form_keeps_what_was_typed(client, auth, db, manager):
    user, incubator = manager
    auth.login_as(user)
    data = details(incubator, name_fr="Nom en cours de saisie", capacity="50")
    response = client.post("/incubators/mine/details", data={**data, "switch_lang": "fr"})
    assert response.status_code == 200 and '<html lang="fr"' in response.data.decode()
    assert 'value="Nom en cours de saisie"' in response.data.decode()
    assert fresh(db, Incubator, incubator.id).capacity == 10  # neither validated nor saved


# -- the admins' list --------------------------------------------------------------------------------------

def test_admins_list_every_incubator_with_its_load(client, auth, db, make_user, make_incubator, make_file):
    busy = make_incubator(name_fr="Association Pleine", capacity=2, provinces=["errachidia", "midelt"])
    make_incubator(name_fr="Association Endormie", active=False, provinces=["zagora"])
    for _ in range(2):
        routing.route(make_file())
    db.session.commit()
    assert routing.loads([busy.id])[busy.id] == 2
    auth.login_as(make_user(role="admin"))
    page = client.get("/incubators/admin/?lang=fr")
    text = page.data.decode()
    assert page.status_code == 200
    assert "Association Pleine" in text and "Association Endormie" in text
    assert words("fr", "%(load)s of %(capacity)s", load="2", capacity="2") in text
    assert "Errachidia" in text and "Midelt" in text and "Zagora" in text
    assert words("fr", "Not active") in text


def test_only_admins_reach_the_incubators_list(client, auth, make_user, manager, province):
    assert client.get("/incubators/admin/").status_code == 302
    for user in (manager[0], make_user(role="coordinator", provinces=[province("errachidia")]), make_user()):
        auth.login_as(user)
        assert client.get("/incubators/admin/").status_code == 403


def test_the_incubators_list_is_paginated_with_a_fixed_number_of_queries(client, auth, db, make_user,
                                                                        make_incubator, make_file, monkeypatch):
    auth.login_as(make_user(role="admin"))
    make_incubator()
    few = count_queries(db, client, "/incubators/admin/")
    for _ in range(6):
        make_incubator(provinces=["errachidia", "midelt"])
    routing.route(make_file())
    db.session.commit()
    assert count_queries(db, client, "/incubators/admin/") == few
    monkeypatch.setattr(services, "ADMIN_PAGE_SIZE", 5)
    text = client.get("/incubators/admin/?page=2").data.decode()
    assert text.count('<th scope="row">') == 2 and 'rel="prev"' in text

