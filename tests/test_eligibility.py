"""Each eligibility rule at its edge, first as a pure function, then through a real submit."""

from datetime import date, timedelta

import pytest

from jisr.applications.eligibility import Facts, age_on, describe, evaluate


class P:
    """A programme stand-in: eligibility only reads attributes."""

    def __init__(self, **kw):
        self.opens_on = kw.get("opens_on", date(2026, 9, 1))
        self.closes_on = kw.get("closes_on", date(2027, 3, 31))
        self.min_age = kw.get("min_age", 18)
        self.max_age = kw.get("max_age", 55)
        self.targets_women = kw.get("targets_women", True)
        self.targets_disability = kw.get("targets_disability", True)
        self.one_active_file_per_person = True
        self.provinces = [type("Prov", (), {"id": 7})()]


def facts(**kw):
    values = dict(today=date(2026, 11, 23), birth_date=date(1990, 1, 1), sex="female", has_disability=False,
                  province_id=7, province_name="Errachidia", duplicate_national_id=False)
    values.update(kw)
    return Facts(**values)


def codes(programme, f):
    return [r.code for r in evaluate(programme, f)]


def test_a_woman_in_a_covered_province_of_the_right_age_is_eligible():
    assert codes(P(), facts()) == []


def test_age_is_counted_in_completed_years_on_the_day():
    assert age_on(date(2008, 11, 23), date(2026, 11, 23)) == 18
    assert age_on(date(2008, 11, 24), date(2026, 11, 23)) == 17
    assert age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert age_on(date(2008, 2, 29), date(2026, 3, 1)) == 18


def test_minimum_age_edge():
    today = date(2026, 11, 23)
    assert codes(P(), facts(birth_date=date(2008, 11, 23))) == []  # 18 today
    assert codes(P(), facts(birth_date=date(2008, 11, 24))) == ["too_young"]  # 18 tomorrow
    assert today  # the edge is the birthday itself


def test_maximum_age_edge():
    assert codes(P(), facts(birth_date=date(1971, 11, 24))) == []  # still 54... turns 55 tomorrow
    assert codes(P(), facts(birth_date=date(1970, 11, 24))) == []  # 55 until tomorrow
    assert codes(P(), facts(birth_date=date(1970, 11, 23))) == ["too_old"]  # 56 today


def test_no_maximum_age_when_the_programme_sets_none():
    assert codes(P(max_age=None), facts(birth_date=date(1930, 1, 1))) == []


def test_target_groups():
    assert codes(P(), facts(sex="male")) == ["not_in_target_group"]
    assert codes(P(), facts(sex="male", has_disability=True)) == []
    assert codes(P(targets_women=False), facts(sex="female")) == ["not_in_target_group"]
    assert codes(P(targets_disability=False), facts(sex="male", has_disability=True)) == ["not_in_target_group"]


def test_opening_and_closing_dates_are_inclusive():
    assert codes(P(opens_on=date(2026, 11, 23)), facts()) == []
    assert codes(P(opens_on=date(2026, 11, 24)), facts()) == ["programme_not_open"]
    assert codes(P(closes_on=date(2026, 11, 23)), facts()) == []
    assert codes(P(closes_on=date(2026, 11, 22)), facts()) == ["programme_closed"]


def test_province_must_be_covered():
    assert codes(P(), facts(province_id=8)) == ["province_not_covered"]


def test_every_failing_rule_is_reported_not_only_the_first():
    found = codes(P(), facts(sex="male", province_id=8, birth_date=date(2010, 1, 1), duplicate_national_id=True))
    assert found == ["not_in_target_group", "too_young", "province_not_covered", "duplicate_national_id"]


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_reasons_are_rendered_in_the_reader_language(app, province, lang):
    from flask_babel import force_locale

    reason = {"code": "province_not_covered", "params": {"province_id": province("tanger-assilah").id}}
    with app.test_request_context(), force_locale(f"{lang}_MA"):
        text = describe(reason)
    assert ("طنجة أصيلة" if lang == "ar" else "Tanger-Assilah") in text
    closed = {"code": "programme_closed", "params": {"closes_on": "2026-11-22"}}
    with app.test_request_context(), force_locale(f"{lang}_MA"):
        text = describe(closed)
    assert "2026" in text and ("نونبر" in text if lang == "ar" else "novembre" in text)


def test_submit_outside_the_rules_makes_the_file_ineligible_with_its_reasons(
        client, auth, make_user, make_programme, db, province):
    import sqlalchemy as sa
    from journey import fill_all_steps

    from jisr.applications.models import Application, Status
    from jisr.applications.services import start_application
    from jisr.geo.models import Sector

    programme = make_programme(max_age=30)
    user = make_user()
    application = start_application(user, programme)
    db.session.commit()
    auth.login_as(user)
    sector_id = db.session.scalar(sa.select(Sector.id))
    fill_all_steps(client, application.id, province("tanger-assilah").id, sector_id,
                   identity={"birth_date": (date.today() - timedelta(days=365 * 40)).isoformat()})
    assert client.post(f"/applications/{application.id}/review", data={"consent": "y"}).status_code == 302
    db.session.expire_all()
    application = db.session.get(Application, application.id)
    assert application.status == Status.INELIGIBLE
    assert {r["code"] for r in application.eligibility_reasons} == {"too_old", "province_not_covered"}
    page = client.get(f"/applications/{application.id}?lang=fr")
    assert "Tanger-Assilah" in page.data.decode()
    page = client.get(f"/applications/{application.id}?lang=ar")
    assert "طنجة أصيلة" in page.data.decode()
