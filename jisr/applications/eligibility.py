"""Eligibility by the programme's rules. Pure: given the facts, returns every reason a file fails,
as codes with parameters, so each reason can be shown in any language later."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

from flask_babel import format_date
from flask_babel import lazy_gettext as _l

REASON_MESSAGES = {
    "programme_not_open": _l("The call for applications opens on %(opens_on)s."),
    "programme_closed": _l("The call for applications closed on %(closes_on)s."),
    "not_in_target_group": _l(
        "This programme is for women and for persons with a disability; the applicant is neither."
    ),
    "too_young": _l("The minimum age is %(min_age)s years; the applicant is %(age)s."),
    "too_old": _l("The maximum age is %(max_age)s years; the applicant is %(age)s."),
    "province_not_covered": _l("The programme does not cover the province of %(province)s."),
    "duplicate_national_id": _l("Another active file in this programme has the same national ID number."),
    "overridden": _l("The programme team reviewed the file and found that it does not meet the conditions of the "
                     "programme."),
}


@dataclass(frozen=True)
class Reason:
    code: str
    params: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Facts:
    today: date
    birth_date: date
    sex: str
    has_disability: bool
    province_id: int
    province_name: str
    duplicate_national_id: bool


def age_on(birth_date: date, day: date) -> int:
    """Completed years: one turns 18 on the 18th birthday (29 February counts on 1 March)."""
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def evaluate(programme, facts: Facts) -> list[Reason]:
    reasons: list[Reason] = []
    if facts.today < programme.opens_on:
        reasons.append(Reason("programme_not_open", {"opens_on": programme.opens_on.isoformat()}))
    if facts.today > programme.closes_on:
        reasons.append(Reason("programme_closed", {"closes_on": programme.closes_on.isoformat()}))
    in_group = (programme.targets_women and facts.sex == "female") or (
        programme.targets_disability and facts.has_disability
    )
    if not in_group:
        reasons.append(Reason("not_in_target_group"))
    age = age_on(facts.birth_date, facts.today)
    if programme.min_age is not None and age < programme.min_age:
        reasons.append(Reason("too_young", {"min_age": programme.min_age, "age": age}))
    if programme.max_age is not None and age > programme.max_age:
        reasons.append(Reason("too_old", {"max_age": programme.max_age, "age": age}))
    if facts.province_id not in {p.id for p in programme.provinces}:
        reasons.append(Reason("province_not_covered", {"province_id": facts.province_id}))
    if programme.one_active_file_per_person and facts.duplicate_national_id:
        reasons.append(Reason("duplicate_national_id"))
    return reasons


def describe(reason: dict) -> str:
    """A stored reason in the reader's language (dates and provinces rendered now, not at decision time)."""
    from jisr.extensions import db
    from jisr.geo.models import Province

    params = dict(reason.get("params") or {})
    for key in ("opens_on", "closes_on"):
        if key in params:
            params[key] = format_date(date.fromisoformat(params[key]), "long")
    if "province_id" in params:
        province = db.session.get(Province, params.pop("province_id"))
        params["province"] = province.name if province else "?"
    code = reason.get("code")
    if code == "staff_reason":  # a reason code of the programme, picked by incubator staff: its own name
        from jisr.workspace.models import ReasonCode

        found = db.session.get(ReasonCode, params.get("reason_id"))
        return found.name if found else ""
    message = REASON_MESSAGES.get(code)
    if message is None:  # a routing reason (why a file waits) travels through the same history
        from jisr.labels import LABELS

        message = LABELS["waitlist_reason"].get(code)
    return str(message) % params if message is not None else (code or "")
