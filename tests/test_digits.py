"""Digits typed on an Arabic keyboard (٠١٢٣٤٥٦٧٨٩) or a Persian one (۰۱۲۳۴۵۶۷۸۹) are read as digits wherever
digits are expected: national ID, amounts, years and other numbers, dates and times, codes (reset, claim,
invitation, check-in), as the phone field already does."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest
import sqlalchemy as sa
from journey import IDENTITY, NEEDS, PROJECT
from werkzeug.datastructures import MultiDict
from wtforms.validators import NumberRange, Optional

from jisr.applications import national_id
from jisr.fields import DateField, DecimalField, IntegerField, TimeField
from jisr.forms import Form
from jisr.numbers import ascii_digits
from jisr.validators import digits_filter

ARABIC = "٠١٢٣٤٥٦٧٨٩"
PERSIAN = "۰۱۲۳۴۵۶۷۸۹"
KEYBOARDS = pytest.mark.parametrize("digits", [ARABIC, PERSIAN], ids=["arabic-indic", "persian"])


def typed(text: str, digits: str) -> str:
    """`text` as typed on that keyboard."""
    return text.translate(str.maketrans("0123456789", digits))


class Numbers(Form):
    count = IntegerField(validators=[Optional(), NumberRange(min=0, max=10_000)])
    amount = DecimalField(places=2, validators=[Optional()])
    day = DateField(validators=[Optional()])
    at = TimeField(validators=[Optional()])


def read(app, **values) -> Numbers:
    with app.test_request_context():
        form = Numbers(MultiDict(values))
        form.validate()
        return form


def refusal(app, **values) -> dict[str, list[str]]:
    """The messages of the fields refused, as a French reader gets them."""
    with app.test_request_context("/?lang=fr"):
        form = Numbers(MultiDict(values))
        form.validate()
        return {name: [str(message) for message in messages] for name, messages in form.errors.items()}


@KEYBOARDS
def test_every_digit_is_read(digits):
    assert ascii_digits(digits) == "0123456789"
    assert digits_filter(f"RC-{digits}") == "RC-0123456789"
    assert digits_filter(None) is None


@KEYBOARDS
def test_a_national_id_typed_with_arabic_digits_is_the_same_card(app, digits):
    value = national_id.normalise(f"ab {typed('123', digits)}-{typed('456', digits)}")
    assert value == "AB123456"
    with app.app_context():
        assert national_id.is_valid(value)


@KEYBOARDS
def test_whole_numbers_amounts_dates_and_times(app, digits):
    form = read(app, count=typed("2024", digits), amount=typed("25 000", digits) + "٫5",
                day=typed("2026-05-17", digits), at=typed("09:30", digits))
    assert form.errors == {}
    assert (form.count.data, form.amount.data, form.day.data, form.at.data) == (
        2024, Decimal("25000.5"), date(2026, 5, 17), time(9, 30))


@pytest.mark.parametrize("value", ["²", "1_000", "0x1f", "12abc", "1.5", "9" * 200])
def test_what_is_not_a_whole_number_is_refused(app, value):
    errors = refusal(app, count=value)
    assert errors["count"][0] == "Écrivez un nombre entier en chiffres, par exemple 3."


@pytest.mark.parametrize("value", ["NaN", "sNaN", "Infinity", "-Infinity", "1e309", "douze"])
def test_what_is_not_an_amount_is_refused(app, value):
    assert "amount" in read(app, amount=value).errors


@pytest.mark.parametrize("value", ["0001-01-01", "1899-12-31", "3000-01-01", "2026-02-30", "17/05/2026"])
def test_dates_out_of_range_or_malformed_are_refused(app, value):
    errors = refusal(app, day=value)
    assert list(errors) == ["day"] and "2026-11-23" in errors["day"][0] and "Enter" not in errors["day"][0]


@KEYBOARDS
def test_reset_claim_and_invitation_codes(app, digits):
    from jisr.auth.forms import ResetConfirmForm

    with app.test_request_context(method="POST", data={"identifier": "0612345678", "code": typed("123 456", digits)}):
        assert ResetConfirmForm().code.data == "123456"
    with app.test_request_context(method="POST", data={"identifier": "0612345678", "code": "١٢٣²٥٦"}):
        form = ResetConfirmForm()
        form.validate()
        assert "code" in form.errors


@KEYBOARDS
def test_a_check_in_code_with_arabic_digits(digits):
    from jisr.workspace.sessions import normalise_code

    assert normalise_code(typed("abcd-2345", digits)) == "ABCD2345"


@KEYBOARDS
def test_her_identity_project_and_trainings_typed_with_arabic_digits_are_saved_in_figures(
        client, db, draft, journey_ids, digits):
    from jisr.applications.models import ApplicantProfile, Application, PriorTraining

    user, application = draft()
    province_id, sector_id = journey_ids
    base = f"/applications/{application.id}"
    response = client.post(f"{base}/identity", data={
        **IDENTITY, "province_id": province_id, "national_id": typed("AB 123456", digits),
        "birth_date": typed("1992-05-17", digits)})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    response = client.post(f"{base}/project", data={
        **PROJECT, "sector_id": sector_id, "estimated_budget": typed("25 000", digits),
        "own_contribution": typed("5000", digits)})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    response = client.post(f"{base}/needs", data={**NEEDS, "trainings-0-year": typed("2020", digits)})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    profile = db.session.scalar(sa.select(ApplicantProfile).where(ApplicantProfile.user_id == user.id))
    saved = db.session.get(Application, application.id)
    assert (profile.national_id, profile.birth_date) == ("AB123456", date(1992, 5, 17))
    assert (saved.estimated_budget, saved.own_contribution) == (Decimal("25000"), Decimal("5000"))
    assert db.session.scalar(sa.select(PriorTraining.year)) == 2020
