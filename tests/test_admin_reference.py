"""Reference data as admins keep it, through the HTTP client: only admins reach the pages; sectors are added
(a lowercase code of their own, both names, Arabic letters in the Arabic one), renamed, and deleted only while
nothing uses them; regions and provinces are renamed in both languages and every page then shows the new
name in the reader's language; every change is audited with what it was before."""

from __future__ import annotations

import html as html_module

import pytest
import sqlalchemy as sa
from journey import count_queries

from jisr.audit.models import AuditEntry
from jisr.geo.models import Province, Region, Sector

NEW = {"code": "food-processing", "name_ar": "تحويل المنتجات الغذائية", "name_fr": "Transformation alimentaire"}


@pytest.fixture(autouse=True)
def reference_data_kept(app, db):
    """Reference tables outlive a test (tests/conftest.py keeps them): put back names and sectors as they were."""
    names = {model: {row.id: (row.name_ar, row.name_fr) for row in db.session.execute(
        sa.select(model.id, model.name_ar, model.name_fr))} for model in (Sector, Region, Province)}
    codes = dict(db.session.execute(sa.select(Sector.id, Sector.code)).all())
    yield
    db.session.rollback()
    gone = set(codes) - set(db.session.scalars(sa.select(Sector.id)))
    db.session.add_all(Sector(id=i, code=codes[i], name_ar=names[Sector][i][0], name_fr=names[Sector][i][1])
                       for i in gone)
    db.session.flush()
    added = sa.select(Sector.id).where(Sector.id.not_in(names[Sector]))
    from jisr.applications.models import Application

    db.session.execute(sa.update(Application).where(Application.sector_id.in_(added)).values(sector_id=None))
    db.session.execute(sa.delete(Sector).where(Sector.id.in_(added)))
    for model, rows in names.items():
        for object_id, (name_ar, name_fr) in rows.items():
            db.session.execute(sa.update(model).where(model.id == object_id, sa.or_(
                model.name_ar != name_ar, model.name_fr != name_fr)).values(name_ar=name_ar, name_fr=name_fr))
    db.session.commit()


@pytest.fixture
def admin(make_user):
    return make_user(role="admin", full_name="Nadia Admin")


def text(response) -> str:
    return html_module.unescape(response.get_data(as_text=True))


def audit(db, action) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def sector(db, code) -> Sector | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(Sector).where(Sector.code == code))


def add(client, lang="fr", **fields):
    return client.post(f"/admin/reference/sectors/new?lang={lang}", data={**NEW, **fields})


# -- who reaches the pages -----------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["applicant", "agent", "coordinator", "incubator_manager", "mentor",
                                  "representative"])
def test_only_admins_reach_the_reference_data(client, auth, db, make_user, make_incubator, province, role):
    scope = {"incubator_id": make_incubator().id} if role in ("incubator_manager", "mentor") else {}
    if role in ("agent", "coordinator"):
        scope = {"provinces": [province("errachidia")]}
    auth.login_as(make_user(role=role, **scope))
    handicrafts, errachidia = sector(db, "handicrafts"), province("errachidia")
    region_id = errachidia.region_id
    for path in ("/admin/reference/sectors/", "/admin/reference/sectors/new",
                 f"/admin/reference/sectors/{handicrafts.id}", "/admin/reference/places/",
                 f"/admin/reference/regions/{region_id}", f"/admin/reference/provinces/{errachidia.id}"):
        assert client.get(path).status_code == 403, path
    names = {"name_ar": "اسم", "name_fr": "Nom"}
    for path, data in (("/admin/reference/sectors/new", NEW),
                       (f"/admin/reference/sectors/{handicrafts.id}", names),
                       (f"/admin/reference/sectors/{handicrafts.id}/delete", {}),
                       (f"/admin/reference/regions/{region_id}", names),
                       (f"/admin/reference/provinces/{errachidia.id}", names)):
        assert client.post(path, data=data).status_code == 403, path
    assert sector(db, "food-processing") is None and sector(db, "handicrafts").name_fr == "Artisanat"
    assert province("errachidia").name_fr == "Errachidia" and not audit(db, "admin.sector_added")


@pytest.mark.parametrize("path", ["/admin/reference/sectors/", "/admin/reference/sectors/new",
                                  "/admin/reference/places/", "/admin/reference/provinces/1"])
def test_signed_out_visitors_are_sent_to_sign_in(client, db, path):
    response = client.get(path)
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_signed_out_visitors_cannot_add_a_sector(client, db):
    response = add(client)
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    assert sector(db, NEW["code"]) is None


# -- sectors ---------------------------------------------------------------------------------------------

def test_the_admin_adds_a_sector_that_applicants_can_choose(client, auth, db, admin, draft):
    auth.login_as(admin)
    assert "Transformation alimentaire" not in text(client.get("/admin/reference/sectors/?lang=fr"))
    response = add(client, code="  Food-Processing ")
    assert response.status_code == 303 and response.headers["Location"].endswith("/admin/reference/sectors/")
    added = sector(db, "food-processing")
    assert (added.name_ar, added.name_fr) == (NEW["name_ar"], NEW["name_fr"])
    page = text(client.get("/admin/reference/sectors/?lang=fr"))
    assert "Le secteur Transformation alimentaire a été ajouté." in page
    assert "Transformation alimentaire" in page and "food-processing" in page
    [entry] = audit(db, "admin.sector_added")
    assert (entry.actor_id, entry.object_type, entry.object_id) == (admin.id, "sectors", added.id)
    assert entry.details == {"after": {"code": "food-processing", **{k: NEW[k] for k in ("name_ar", "name_fr")}}}
    _user, application = draft()
    assert "تحويل المنتجات الغذائية" in text(client.get(f"/applications/{application.id}/project?lang=ar"))


def test_a_code_already_taken_is_refused_on_its_field(client, auth, db, admin):
    auth.login_as(admin)
    response = add(client, code="handicrafts")
    assert response.status_code == 422
    page = text(response)
    assert 'id="code-error"' in page and 'aria-invalid="true"' in page and 'id="error-summary"' in page
    assert db.session.scalar(sa.select(sa.func.count(Sector.id)).where(Sector.code == "handicrafts")) == 1
    assert sector(db, "food-processing") is None and not audit(db, "admin.sector_added")
    response = client.post("/admin/reference/sectors/new?lang=fr", data={**NEW, "code": "handicrafts"})
    assert response.status_code == 422 and "Un secteur a déjà ce code" in text(response)


def test_a_code_taken_in_the_meantime_is_a_refusal_not_an_error(client, auth, db, admin, monkeypatch):
    """Another admin adds the same code between the check and the insert: the unique constraint answers."""
    from jisr.admin import reference

    monkeypatch.setattr(reference, "code_taken", lambda code: False)
    auth.login_as(admin)
    response = add(client, code="handicrafts")
    assert response.status_code == 422 and 'id="code-error"' in text(response)
    assert "Un secteur a déjà ce code" in text(response)
    assert db.session.scalar(sa.select(sa.func.count(Sector.id)).where(Sector.code == "handicrafts")) == 1


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"name_ar": "Transformation"}, "name_ar", "Écrivez ce nom en lettres arabes."),
    ({"name_ar": ""}, "name_ar", "Ce champ est requis."),
    ({"name_fr": ""}, "name_fr", "Ce champ est requis."),
    ({"code": ""}, "code", "Ce champ est requis."),
    ({"code": "agro alimentaire"}, "code", "lettres latines minuscules"),
    ({"code": "élevage-2"}, "code", "lettres latines minuscules"),
    ({"name_fr": "Artisanat"}, "name_fr", "Un autre secteur porte déjà ce nom."),
    ({"name_fr": "<b>Gras</b>"}, "name_fr", "sans balises"),
])
def test_a_new_sector_with_bad_input_is_refused_in_the_reader_language(client, auth, db, admin, fields, field,
                                                                      message):
    auth.login_as(admin)
    response = client.post("/admin/reference/sectors/new?lang=fr", data={**NEW, **fields})
    assert response.status_code == 422
    page = text(response)
    assert f'id="{field}-error"' in page and message in page
    assert sector(db, "food-processing") is None and not audit(db, "admin.sector_added")


def test_the_admin_renames_a_sector_in_both_languages(client, auth, db, admin):
    auth.login_as(admin)
    handicrafts = sector(db, "handicrafts")
    page = text(client.get(f"/admin/reference/sectors/{handicrafts.id}?lang=fr"))
    assert 'value="Artisanat"' in page and 'value="الصناعة التقليدية"' in page
    response = client.post(f"/admin/reference/sectors/{handicrafts.id}", data={
        "name_ar": "الصناعة التقليدية والحرف", "name_fr": "Artisanat et métiers"})
    assert response.status_code == 303
    renamed = sector(db, "handicrafts")
    assert (renamed.name_ar, renamed.name_fr) == ("الصناعة التقليدية والحرف", "Artisanat et métiers")
    assert "الصناعة التقليدية والحرف" in text(client.get("/admin/reference/sectors/?lang=ar"))
    [entry] = audit(db, "admin.sector_renamed")
    assert (entry.actor_id, entry.object_id) == (admin.id, handicrafts.id)
    assert entry.details == {"code": "handicrafts",
                             "before": {"name_ar": "الصناعة التقليدية", "name_fr": "Artisanat"},
                             "after": {"name_ar": "الصناعة التقليدية والحرف", "name_fr": "Artisanat et métiers"}}
    response = client.post(f"/admin/reference/sectors/{handicrafts.id}?lang=fr", data={
        "name_ar": "الصناعة التقليدية والحرف", "name_fr": "Artisanat et métiers"}, follow_redirects=True)
    assert "Aucune modification n'a été apportée." in text(response)
    assert len(audit(db, "admin.sector_renamed")) == 1


def test_a_rename_with_bad_names_saves_nothing(client, auth, db, admin):
    auth.login_as(admin)
    handicrafts = sector(db, "handicrafts")
    for data, field in (({"name_ar": "Artisanat", "name_fr": "Artisanat 2"}, "name_ar"),
                        ({"name_ar": "التجارة", "name_fr": "Artisanat 2"}, "name_ar"),  # the trade sector's name
                        ({"name_ar": "حرف", "name_fr": ""}, "name_fr")):
        response = client.post(f"/admin/reference/sectors/{handicrafts.id}", data=data)
        assert response.status_code == 422, data
        assert f'id="{field}-error"' in text(response)
    assert sector(db, "handicrafts").name_fr == "Artisanat" and not audit(db, "admin.sector_renamed")


def test_an_unused_sector_is_deleted_and_the_deletion_audited(client, auth, db, admin):
    auth.login_as(admin)
    add(client)
    added = sector(db, "food-processing")
    page = text(client.get(f"/admin/reference/sectors/{added.id}?lang=fr"))
    assert "Supprimer le secteur" in page
    response = client.post(f"/admin/reference/sectors/{added.id}/delete")
    assert response.status_code == 303 and sector(db, "food-processing") is None
    [entry] = audit(db, "admin.sector_deleted")
    assert entry.object_id == added.id and entry.details == {"before": {
        "code": "food-processing", "name_ar": NEW["name_ar"], "name_fr": NEW["name_fr"]}}
    assert client.get(f"/admin/reference/sectors/{added.id}").status_code == 404


def test_a_sector_in_use_is_not_deleted_and_the_refusal_says_how_many_use_it(client, auth, db, admin, make_file,
                                                                             make_incubator):
    auth.login_as(admin)
    add(client)
    added = sector(db, "food-processing")
    make_file(sector="food-processing")
    make_file(sector="food-processing")
    make_incubator(sectors=["food-processing"])
    response = client.post(f"/admin/reference/sectors/{added.id}/delete?lang=fr")
    assert response.status_code == 409
    page = text(response)
    assert "Ce secteur ne peut pas être supprimé" in page and "2 dossiers, 1 incubateur" in page
    assert sector(db, "food-processing") is not None and not audit(db, "admin.sector_deleted")
    page = text(client.get(f"/admin/reference/sectors/{added.id}?lang=ar"))
    assert "لا يمكن حذف هذا القطاع" in page and "Supprimer" not in page


def test_a_sector_chosen_for_a_file_in_the_meantime_is_not_deleted(client, auth, db, admin, make_file, monkeypatch):
    """A file takes the sector between the count and the delete: the foreign key answers, with a refusal."""
    from jisr.admin import reference

    auth.login_as(admin)
    add(client)
    added = sector(db, "food-processing")
    make_file(sector="food-processing")
    monkeypatch.setattr(reference, "sector_uses", lambda sector: reference.Uses())
    response = client.post(f"/admin/reference/sectors/{added.id}/delete?lang=fr")
    assert response.status_code == 409 and "vient d'être choisi pour un dossier" in text(response)
    assert sector(db, "food-processing") is not None and not audit(db, "admin.sector_deleted")


def test_a_sector_only_an_incubator_or_an_association_uses_is_not_deleted(client, auth, db, admin, make_incubator,
                                                                          make_call, make_association):
    auth.login_as(admin)
    add(client)
    added = sector(db, "food-processing")
    make_association(make_call(), sectors=["food-processing"])
    response = client.post(f"/admin/reference/sectors/{added.id}/delete?lang=fr")
    assert response.status_code == 409 and "1 candidature d'association" in text(response).replace("’", "'")
    assert sector(db, "food-processing") is not None
    incubator = make_incubator(sectors=["food-processing"])
    assert client.post(f"/admin/reference/sectors/{added.id}/delete").status_code == 409
    db.session.expire_all()
    assert [s.code for s in incubator.sectors] == ["food-processing"]


def test_the_sector_list_costs_the_same_queries_for_more_sectors_and_uses(client, auth, db, admin, make_file):
    auth.login_as(admin)

    def count() -> int:
        queries, response = count_queries(db, client, "/admin/reference/sectors/")
        assert response.status_code == 200
        return queries

    def more(n: int) -> None:
        add(client, code=f"sector-{n}", name_ar=f"قطاع {n}", name_fr=f"Secteur {n}")
        make_file(sector=f"sector-{n}")

    more(0)
    few = count()
    for n in range(1, 4):
        more(n)
    assert count() == few


# -- regions and provinces -------------------------------------------------------------------------------

def test_the_places_list_shows_every_region_with_its_provinces_in_few_queries(client, auth, db, admin):
    auth.login_as(admin)
    queries, response = count_queries(db, client, "/admin/reference/places/?lang=fr")
    assert response.status_code == 200 and queries <= 6
    page = text(response)
    assert page.count('href="/admin/reference/regions/') == db.session.scalar(sa.select(sa.func.count(Region.id)))
    assert page.count('href="/admin/reference/provinces/') == 75
    assert "Drâa-Tafilalet" in page and "Errachidia" in page
    assert "الرشيدية" in text(client.get("/admin/reference/places/?lang=ar"))


def test_a_renamed_province_is_shown_with_its_new_name_in_each_language(client, auth, db, admin, make_user,
                                                                        province):
    errachidia = province("errachidia")
    make_user(role="agent", full_name="Itto Ait Ali", provinces=[errachidia])
    auth.login_as(admin)
    page = text(client.get(f"/admin/reference/provinces/{errachidia.id}?lang=fr"))
    assert "errachidia" in page and "Drâa-Tafilalet" in page
    response = client.post(f"/admin/reference/provinces/{errachidia.id}?lang=fr", data={
        "name_ar": "إقليم الرشيدية", "name_fr": "Province d'Errachidia"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/admin/reference/places/#region-{errachidia.region_id}")
    assert "Province d'Errachidia a été renommée." in text(client.get("/admin/reference/places/?lang=fr"))
    db.session.expire_all()
    assert (province("errachidia").name_ar, province("errachidia").code) == ("إقليم الرشيدية", "errachidia")
    for path in ("/admin/reference/places/", "/admin/users/?role=agent"):
        ar, fr = text(client.get(f"{path}{'&' if '?' in path else '?'}lang=ar")), \
            text(client.get(f"{path}{'&' if '?' in path else '?'}lang=fr"))
        assert "إقليم الرشيدية" in ar and "Province d'Errachidia" not in ar, path
        assert "Province d'Errachidia" in fr and "إقليم الرشيدية" not in fr, path
    [entry] = audit(db, "admin.province_renamed")
    assert (entry.actor_id, entry.object_type, entry.object_id) == (admin.id, "provinces", errachidia.id)
    assert entry.details == {"code": "errachidia", "before": {"name_ar": "الرشيدية", "name_fr": "Errachidia"},
                             "after": {"name_ar": "إقليم الرشيدية", "name_fr": "Province d'Errachidia"}}


def test_the_admin_renames_a_region(client, auth, db, admin, province):
    region = province("errachidia").region
    before = {"name_ar": region.name_ar, "name_fr": region.name_fr}
    auth.login_as(admin)
    response = client.post(f"/admin/reference/regions/{region.id}?lang=fr", data={
        "name_ar": "جهة درعة تافيلالت", "name_fr": "Région Drâa-Tafilalet"})
    assert response.status_code == 303
    page = text(client.get("/admin/reference/places/?lang=fr"))
    assert "La région Région Drâa-Tafilalet a été renommée." in page
    assert "جهة درعة تافيلالت" in text(client.get(f"/admin/reference/provinces/{province('errachidia').id}?lang=ar"))
    [entry] = audit(db, "admin.region_renamed")
    assert entry.object_type == "regions" and entry.details["before"] == before


def test_a_place_with_bad_names_is_refused_and_nothing_is_saved(client, auth, db, admin, province):
    errachidia = province("errachidia")
    auth.login_as(admin)
    for data, field, message in (({"name_ar": "Errachidia", "name_fr": "Errachidia"}, "name_ar",
                                  "Écrivez ce nom en lettres arabes."),
                                 ({"name_ar": "", "name_fr": ""}, "name_ar", "Ce champ est requis."),
                                 ({"name_ar": "الرشيدية", "name_fr": "Midelt"}, "name_fr",
                                  "Une autre province ou préfecture porte déjà ce nom.")):
        response = client.post(f"/admin/reference/provinces/{errachidia.id}?lang=fr", data=data)
        assert response.status_code == 422, data
        page = text(response)
        assert f'id="{field}-error"' in page and message in page, data
    db.session.expire_all()
    assert province("errachidia").name_fr == "Errachidia" and not audit(db, "admin.province_renamed")


def test_an_unknown_place_or_kind_is_not_found(client, auth, admin):
    auth.login_as(admin)
    assert client.get("/admin/reference/provinces/999999").status_code == 404
    assert client.get("/admin/reference/communes/1").status_code == 404
    assert client.post("/admin/reference/regions/999999", data={"name_ar": "جهة", "name_fr": "R"}).status_code == 404
    assert client.post("/admin/reference/sectors/999999/delete").status_code == 404


def test_the_language_switch_shows_the_form_again_without_saving(client, auth, db, admin, province):
    errachidia = province("errachidia")
    auth.login_as(admin)
    response = client.post(f"/admin/reference/provinces/{errachidia.id}", data={
        "name_ar": "إقليم الرشيدية", "name_fr": "Autre", "switch_lang": "fr"})
    assert response.status_code == 200 and 'value="Autre"' in text(response)
    db.session.expire_all()
    assert province("errachidia").name_fr == "Errachidia"


def test_seeding_again_keeps_what_admins_renamed_and_deleted(client, auth, db, admin, province):
    from jisr.geo.reference import load_reference_data

    auth.login_as(admin)
    db.session.delete(sector(db, "other"))
    errachidia = province("errachidia")
    errachidia.name_fr = "Errachidia (Ksar Es-Souk)"
    db.session.commit()
    load_reference_data()
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Province, errachidia.id).name_fr == "Errachidia (Ksar Es-Souk)"
    assert sector(db, "other") is None
    assert db.session.scalar(sa.select(sa.func.count(Province.id))) == 75
