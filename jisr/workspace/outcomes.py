"""What came of an accompaniment: the activity created, financing commissions, jobs and revenue, each change
kept as a revision. Functions flush, never commit.

Rules live here (dates, ranges, coded values), so a form and any other caller are held to the same ones; forms
only turn what was typed into values (Arabic-Indic digits, decimal commas)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import force_locale, format_date, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from jisr import bidi
from jisr.applications.models import Application
from jisr.audit.services import record
from jisr.auth.models import User
from jisr.extensions import db
from jisr.i18n import user_locale
from jisr.labels import LABELS, label
from jisr.numbers import ascii_digits, parse_amount, parse_count  # noqa: F401  (the forms read typed values here)
from jisr.timeutil import local_today

# A module reference, not names: services imports this module too, and either may be imported first.
from jisr.workspace import notices
from jisr.workspace import services as workspace
from jisr.workspace.models import FinancingDecision, Outcome, OutcomeRevision

MAX_AMOUNT = Decimal("10000000")
MAX_JOBS = 1000
EARLIEST = date(1950, 1, 1)  # before this, a date is a typing mistake (0202 for 2020)
HISTORY_PAGE_SIZE = 20

#: The outcome's fields, in the order forms and the history show them, with the label kind of coded ones.
OUTCOME_FIELDS: dict[str, str | None] = {
    "activity_created_on": None, "legal_form": "legal_form", "registration_number": None,
    "financing_obtained": None, "financing_amount": None, "financing_source": "financing_source",
    "jobs_women": None, "jobs_men": None, "revenue_band": "revenue_band",
}
FINANCING_FIELDS: dict[str, str | None] = {
    "commission_on": None, "decision": "financing_decision", "amount": None, "source": "financing_source",
    "note": None,
}
FIELD_LABELS = {
    "activity_created_on": _l("Activity created on"),
    "legal_form": _l("Legal form"),
    "registration_number": _l("Registration number"),
    "financing_obtained": _l("Financing obtained"),
    "financing_amount": _l("Amount obtained"),
    "financing_source": _l("Source of the financing"),
    "jobs_women": _l("Jobs created for women"),
    "jobs_men": _l("Jobs created for men"),
    "revenue_band": _l("Monthly revenue"),
    "commission_on": _l("Date of the commission"),
    "decision": _l("Decision"),
    "amount": _l("Amount"),
    "source": _l("Source of the financing"),
    "note": _l("Note for the team"),
}
DATES = {"activity_created_on", "commission_on"}
AMOUNTS = {"financing_amount", "amount"}
COUNTS = {"jobs_women", "jobs_men"}
IDENTIFIERS = {"registration_number"}  # read left to right, even beside Arabic words


class InvalidData(ValueError):
    """Values the rules refuse: `problems` maps each field to its message, in the reader's language."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = problems


def file_outcomes(application: Application) -> dict:
    """The outcome and the financing decisions of a file (two queries)."""
    return dict(
        outcome=current_outcome(application),
        financing=list(db.session.scalars(sa.select(FinancingDecision)
                                          .where(FinancingDecision.application_id == application.id)
                                          .order_by(FinancingDecision.commission_on, FinancingDecision.id))),
    )


def current_outcome(application: Application) -> Outcome | None:
    return db.session.scalar(sa.select(Outcome).where(Outcome.application_id == application.id))


def financing_decision(application: Application, decision_id: int) -> FinancingDecision | None:
    """One of the file's commission decisions (None for another file's)."""
    return db.session.scalar(sa.select(FinancingDecision).where(FinancingDecision.id == decision_id,
                                                                FinancingDecision.application_id == application.id))


# -- typed values -----------------------------------------------------------------------------------------

def money(amount) -> str:
    """An amount in dirhams, as the reader's country writes it (jisr/bidi.py)."""
    return bidi.amount(amount)


# -- rules ------------------------------------------------------------------------------------------------

def _check_date(problems: dict, name: str, value, required: bool = False) -> None:
    if value is None:
        if required:
            problems[name] = _("Give the date.")
    elif not isinstance(value, date):
        problems[name] = _("Give a valid date.")
    elif value > local_today():
        problems[name] = _("This date is in the future: give the date it happened.")
    elif value < EARLIEST:
        problems[name] = _("Check the year of this date.")


def _check_amount(problems: dict, name: str, value) -> None:
    if value is None:
        return
    if not isinstance(value, Decimal) or value < 0:
        problems[name] = _("The amount cannot be negative.")
    elif value > MAX_AMOUNT:
        problems[name] = _("The amount cannot be more than %(max)s.", max=money(MAX_AMOUNT))
    elif value != value.quantize(Decimal("0.01")):
        problems[name] = _("Give the amount with at most two decimals (centimes).")


def _check_code(problems: dict, name: str, kind: str, value, required: bool = False) -> None:
    if value is None:
        if required:
            problems[name] = _("Choose one of the options.")
    elif value not in LABELS[kind]:
        problems[name] = _("Choose one of the options.")


def outcome_problems(data: dict) -> dict[str, str]:
    """What is wrong with an outcome's values, field by field (empty when they can be saved)."""
    problems: dict[str, str] = {}
    _check_date(problems, "activity_created_on", data.get("activity_created_on"))
    _check_code(problems, "legal_form", "legal_form", data.get("legal_form"))
    if len(data.get("registration_number") or "") > 40:
        problems["registration_number"] = _("Write at most %(max)s characters.", max=40)
    _check_amount(problems, "financing_amount", data.get("financing_amount"))
    _check_code(problems, "financing_source", "financing_source", data.get("financing_source"))
    if not data.get("financing_obtained") and "financing_amount" not in problems and (
            data.get("financing_amount") or data.get("financing_source")):
        problems["financing_obtained"] = _("Tick “Financing obtained” to record its amount and source, or leave "
                                           "them empty.")
    for name in COUNTS:
        value = data.get(name) or 0
        if not isinstance(value, int) or not 0 <= value <= MAX_JOBS:
            problems[name] = _("Give a number between %(min)s and %(max)s.", min=0, max=format_decimal(MAX_JOBS))
    _check_code(problems, "revenue_band", "revenue_band", data.get("revenue_band"))
    return problems


def financing_problems(data: dict) -> dict[str, str]:
    """What is wrong with a commission decision's values; an approval needs its amount and source."""
    problems: dict[str, str] = {}
    _check_date(problems, "commission_on", data.get("commission_on"), required=True)
    _check_code(problems, "decision", "financing_decision", data.get("decision"), required=True)
    _check_amount(problems, "amount", data.get("amount"))
    _check_code(problems, "source", "financing_source", data.get("source"))
    if data.get("decision") == "approved":
        if data.get("amount") is None and "amount" not in problems:
            problems["amount"] = _("Give the amount the commission approved.")
        if data.get("source") is None and "source" not in problems:
            problems["source"] = _("Choose the source of the financing approved.")
    return problems


# -- saving -----------------------------------------------------------------------------------------------

def _jsonable(value):
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def snapshot(obj, fields) -> dict:
    return {name: _jsonable(getattr(obj, name)) for name in fields}


def _cents(values: dict, name: str) -> None:
    """12500 and 12500.00 are the same amount: store (and compare) them as the column keeps them."""
    if values[name] is not None:
        values[name] = values[name].quantize(Decimal("0.01"))


def _conflict() -> workspace.Conflict:
    return workspace.Conflict(_("Someone else changed this outcome while you were editing it. Here are the values "
                                "saved now: check them and make your change again if it still applies."))


def _flush_or_conflict() -> None:
    """Flush; a version someone else has already moved on (StaleDataError), or a first outcome another person
    created meanwhile (the unique file), is a conflict: nothing of ours is written."""
    try:
        db.session.flush()
    except (StaleDataError, IntegrityError) as error:
        raise _conflict() from error


def save_outcome(application: Application, by: User, data: dict, version: int | None) -> OutcomeRevision | None:
    """Create or update the file's single outcome from `data` (the keys of OUTCOME_FIELDS), as read at `version`
    (0: there was none yet; None: not checked). Writes a revision and an audit entry; returns the revision, or
    None when nothing changed. Raises WorkspaceError (state), Conflict (version) or InvalidData (values)."""
    if "outcome" not in workspace.actions(application, by):
        raise workspace.WorkspaceError(_("The outcome is recorded while the file is in mentoring or completed."))
    outcome = current_outcome(application)
    if version is not None and version != (outcome.version if outcome else 0):
        raise _conflict()
    values = {name: data.get(name) for name in OUTCOME_FIELDS}
    values.update(financing_obtained=bool(values["financing_obtained"]), jobs_women=values["jobs_women"] or 0,
                  jobs_men=values["jobs_men"] or 0, registration_number=values["registration_number"] or None)
    problems = outcome_problems(values)
    if problems:
        raise InvalidData(problems)
    _cents(values, "financing_amount")
    created = outcome is None
    if created and not any(values.values()):
        return None  # a form sent blank records nothing: an empty outcome would read as "no jobs, no financing"
    if created:
        outcome = Outcome(application_id=application.id)
        db.session.add(outcome)
    elif snapshot(outcome, OUTCOME_FIELDS) == {name: _jsonable(value) for name, value in values.items()}:
        return None
    for name, value in values.items():
        setattr(outcome, name, value)
    outcome.updated_by_id = by.id
    _flush_or_conflict()
    revision = OutcomeRevision(application_id=application.id, kind="outcome", object_id=outcome.id,
                               data=snapshot(outcome, OUTCOME_FIELDS), by_id=by.id)
    db.session.add(revision)
    record("outcome.saved", application, actor=by, kind="outcome", object_id=outcome.id, version=outcome.version,
           created=created)
    db.session.flush()
    return revision


def save_financing(application: Application, by: User, decision_id: int | None, data: dict) -> FinancingDecision:
    """Add a commission's decision (`decision_id` None) or correct one, from `data` (the keys of
    FINANCING_FIELDS). Only once the file has reached its business plan. The applicant is told of a new decision,
    and again when its outcome, amount or source is corrected."""
    if "financing" not in workspace.actions(application, by) or not workspace.may_go_to_commission(application):
        raise workspace.WorkspaceError(_("A file can go before a financing commission once its business plan is "
                                         "done."))
    values = {name: data.get(name) for name in FINANCING_FIELDS}
    values["note"] = values["note"] or None
    problems = financing_problems(values)
    if problems:
        raise InvalidData(problems)
    _cents(values, "amount")
    if decision_id is None:
        decision, before = FinancingDecision(application_id=application.id), None
        db.session.add(decision)
    else:
        decision = financing_decision(application, decision_id)
        if decision is None:
            raise workspace.WorkspaceError(_("This decision is not one of the file's."))
        before = snapshot(decision, FINANCING_FIELDS)
        if before == {name: _jsonable(value) for name, value in values.items()}:
            return decision
    for name, value in values.items():
        setattr(decision, name, value)
    decision.recorded_by_id = by.id
    db.session.flush()
    after = snapshot(decision, FINANCING_FIELDS)
    db.session.add(OutcomeRevision(application_id=application.id, kind="financing", object_id=decision.id,
                                   data=after, by_id=by.id))
    record("outcome.saved", application, actor=by, kind="financing", object_id=decision.id,
           decision=decision.decision, created=before is None)
    told = ("decision", "amount", "source", "commission_on")
    if before is None or any(before[name] != after[name] for name in told):
        decision_notice(application, decision, corrected=before is not None)
    db.session.flush()
    return decision


# -- what she is told -------------------------------------------------------------------------------------

def decision_notice(application: Application, decision: FinancingDecision, corrected: bool = False) -> None:
    """The commission's decision, in her language: the amount and source of an approval, what comes next."""
    with force_locale(user_locale(application.applicant)):
        # Isolated for the Arabic text: the reference left to right, the date ("10 أبريل 2026") in its own
        # direction (LRI would make it read أبريل 2026 10); the amount's number is isolated by money().
        values = dict(reference=bidi.isolate(application.reference),
                      date=bidi.isolate_auto(format_date(decision.commission_on, "long")),
                      amount=money(decision.amount), source=label("financing_source", decision.source))
        lines = [_("The decision recorded earlier has been corrected. Here it is as it stands now.")] if corrected \
            else []
        if decision.decision == "approved":
            lines.append(_("The financing commission of %(date)s approved financing of %(amount)s for your "
                           "project: %(source)s.", **values))
            # i18n: an SMS. Keep it short (70 characters in Arabic script per SMS part).
            sms = _("Jisr: financing of %(amount)s approved for your project (%(source)s).", **values)
        elif decision.decision == "refused":
            lines.append(_("The financing commission of %(date)s did not approve the financing of your project. "
                           "Your mentor will talk with you about what to do next.", **values))
            # i18n: an SMS. Keep it short (70 characters in Arabic script per SMS part).
            sms = _("Jisr: the financing commission did not approve your request. Your mentor will call you.",
                    **values)
        else:
            lines.append(_("The financing commission of %(date)s deferred its decision on your project. You will "
                           "be told as soon as it decides.", **values))
            # i18n: an SMS. Keep it short (70 characters in Arabic script per SMS part).
            sms = _("Jisr: the financing commission deferred its decision on your project.", **values)
        subject = (_("Your Jisr file %(reference)s: financing decision corrected", **values) if corrected else
                   _("Your Jisr file %(reference)s: decision of the financing commission", **values))
        notices._send(application, subject, lines, sms)  # the greeting and closing every notice has


# -- the history ------------------------------------------------------------------------------------------

@dataclass
class HistoryItem:
    revision: OutcomeRevision
    title: str
    first: bool  # the first version of this outcome or decision
    rows: list[tuple[str, str, bool]] = field(default_factory=list)  # label, value, changed


def display(name: str, value) -> str:
    """A stored value in the reader's words."""
    if value is None or value == "":
        return "–"
    kind = OUTCOME_FIELDS.get(name) or FINANCING_FIELDS.get(name)
    if kind:
        return label(kind, value)
    if name in DATES:
        return format_date(date.fromisoformat(value), "long")
    if name in AMOUNTS:
        return money(Decimal(value))
    if name in COUNTS:
        return format_decimal(value)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if name in IDENTIFIERS:
        return bidi.isolate(value)
    return str(value)


def history(application: Application, page: int = 1) -> tuple[list[HistoryItem], int]:
    """The file's revisions, newest first, a page at a time, each compared with the version before it (one query
    for the page, one for the count)."""
    previous = sa.func.lag(OutcomeRevision.data, type_=sa.JSON).over(
        partition_by=(OutcomeRevision.kind, OutcomeRevision.object_id), order_by=OutcomeRevision.id)
    numbered = (sa.select(OutcomeRevision.id.label("id"), previous.label("previous"))
                .where(OutcomeRevision.application_id == application.id).subquery())
    rows = db.session.execute(
        sa.select(OutcomeRevision, numbered.c.previous).join(numbered, numbered.c.id == OutcomeRevision.id)
        .options(sa.orm.joinedload(OutcomeRevision.by))
        .order_by(OutcomeRevision.id.desc()).limit(HISTORY_PAGE_SIZE).offset((page - 1) * HISTORY_PAGE_SIZE)).all()
    total = db.session.scalar(sa.select(sa.func.count(OutcomeRevision.id))
                              .where(OutcomeRevision.application_id == application.id)) or 0
    items = []
    for revision, before in rows:
        fields = OUTCOME_FIELDS if revision.kind == "outcome" else FINANCING_FIELDS
        data = revision.data or {}
        title = (_("Outcome of the accompaniment") if revision.kind == "outcome" else
                 _("Financing commission of %(date)s", date=display("commission_on", data.get("commission_on"))))
        item = HistoryItem(revision=revision, title=title, first=before is None)
        for name in fields:
            changed = before is not None and before.get(name) != data.get(name)
            item.rows.append((str(FIELD_LABELS[name]), display(name, data.get(name)), changed))
        items.append(item)
    return items, total
