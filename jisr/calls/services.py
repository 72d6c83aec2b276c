"""Calls for expressions of interest and the associations' answers to them. Functions flush, never commit.

Opening and closing are civil dates and times in the programme's time zone (Africa/Casablanca), turned into
UTC instants once, when the admin saves the call: the deadline is the same whatever the server's own zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l

from jisr.audit.services import record
from jisr.auth.models import Role, User
from jisr.calls.models import (
    AssociationApplication,
    AssociationDocument,
    AssociationStatus,
    AssociationTeamMember,
    Call,
    CallCriterion,
)
from jisr.documents import storage
from jisr.documents.services import display_name
from jisr.documents.validation import DocumentError, check_upload
from jisr.extensions import db
from jisr.geo.models import Province, Sector
from jisr.i18n import user_locale
from jisr.labels import LABELS
from jisr.outbox.services import notify
from jisr.programmes.models import Programme
from jisr.timeutil import aware

PAGE_SIZE = 25
DOCUMENT_KINDS = tuple(LABELS["association_document_kind"])


class CallError(ValueError):
    """A refused act; the message is shown as is."""


# -- calls ------------------------------------------------------------------------------------------------

def local_instant(day: date, at: time, zone: str) -> datetime:
    """A civil date and time where the programme runs, as an aware UTC instant."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(zone)).astimezone(ZoneInfo("UTC"))


def local_parts(instant: datetime, zone: str) -> tuple[date, time]:
    local = aware(instant).astimezone(ZoneInfo(zone))
    return local.date(), local.time().replace(second=0, microsecond=0)


def public_calls(now: datetime, page: int) -> tuple[list[Call], int]:
    """Calls anyone may read: open and upcoming ones first (by deadline), then closed ones, newest first."""
    is_closed = sa.case((Call.closes_at <= now, 1), else_=0)
    query = sa.select(Call).order_by(is_closed, sa.case((Call.closes_at <= now, None), else_=Call.closes_at),
                                     Call.closes_at.desc(), Call.id)
    total = db.session.scalar(sa.select(sa.func.count(Call.id)))
    calls = list(db.session.scalars(query.options(sa.orm.selectinload(Call.criteria),
                                                  sa.orm.selectinload(Call.provinces))
                                    .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)))
    return calls, total


def admin_calls(page: int) -> tuple[list[tuple[Call, int, int]], int]:
    """Every call with how many answers it has (drafts included) and how many were sent."""
    sent = sa.func.sum(sa.case((AssociationApplication.status != AssociationStatus.DRAFT, 1), else_=0))
    rows = db.session.execute(
        sa.select(Call, sa.func.count(AssociationApplication.id), sa.func.coalesce(sent, 0))
        .outerjoin(AssociationApplication, AssociationApplication.call_id == Call.id)
        .group_by(Call.id).order_by(Call.closes_at.desc(), Call.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return rows, db.session.scalar(sa.select(sa.func.count(Call.id)))


def save_call(call: Call | None, data: dict, criteria: list[dict], by: User) -> Call:
    """Create a call or change it. Criteria can only be changed while nobody has scored against them."""
    programme = db.session.get(Programme, data["programme_id"])
    if programme is None:
        raise CallError(gettext("Choose a programme from the list."))
    creating = call is None
    if creating:
        call = Call(created_by_id=by.id)
        db.session.add(call)
    elif _has_scores(call) and _criteria_changed(call, criteria):
        raise CallError(gettext("Reviewers have already scored against these criteria: they can no longer be "
                                "changed."))
    for name in ("title_ar", "title_fr", "description_ar", "description_fr"):
        setattr(call, name, data[name])
    call.programme_id = programme.id
    call.opens_at = local_instant(data["opens_on"], time(0, 0), programme.timezone)
    call.closes_at = local_instant(data["closes_on"], data["closes_time"], programme.timezone)
    if call.closes_at <= call.opens_at:
        raise CallError(gettext("The call must close after it opens."))
    call.provinces = list(db.session.scalars(sa.select(Province).where(Province.id.in_(data["provinces"]))))
    if creating or _criteria_changed(call, criteria):
        call.criteria.clear()
        db.session.flush()
        for position, row in enumerate(criteria):
            call.criteria.append(CallCriterion(position=position, **row))
    db.session.flush()
    record("call.created" if creating else "call.changed", call, actor=by, closes_at=call.closes_at.isoformat(),
           provinces=sorted(data["provinces"]), criteria=len(criteria))
    return call


def _criteria_changed(call: Call, rows: list[dict]) -> bool:
    current = [{"label_ar": c.label_ar, "label_fr": c.label_fr, "weight": c.weight} for c in call.criteria]
    return current != rows


def _has_scores(call: Call) -> bool:
    from jisr.calls.models import ReviewScore

    return db.session.scalar(sa.select(sa.func.count(ReviewScore.id)).join(
        CallCriterion, CallCriterion.id == ReviewScore.criterion_id).where(CallCriterion.call_id == call.id)) > 0


# -- the association's answer ------------------------------------------------------------------------------

def association_of(call: Call, user: User) -> AssociationApplication | None:
    return db.session.scalar(sa.select(AssociationApplication).where(
        AssociationApplication.call_id == call.id, AssociationApplication.representative_id == user.id))


def start(call: Call, user: User, now: datetime) -> AssociationApplication:
    """The representative's answer to this call: the one she began, or a new draft while the call is open."""
    if user.role != Role.REPRESENTATIVE:
        raise CallError(gettext("Only an association representative's account can answer a call. Create one "
                                "with another phone number or e-mail address."))
    existing = association_of(call, user)
    if existing is not None:
        return existing
    if not call.is_open(now):
        raise CallError(gettext("This call is not open: answers are taken only between its opening and its "
                                "deadline."))
    association = AssociationApplication(call_id=call.id, representative_id=user.id, email=user.email,
                                         phone=user.phone)
    db.session.add(association)
    db.session.flush()
    record("association.started", association, actor=user, call_id=call.id)
    return association


def ensure_editable(association: AssociationApplication, now: datetime) -> None:
    if not association.is_draft:
        raise CallError(gettext("This application has been sent and can no longer be changed."))
    if not association.call.is_open(now):
        raise CallError(gettext("The deadline of the call has passed: the application can no longer be changed "
                                "or sent."))


def save_organisation(association: AssociationApplication, data: dict, by: User) -> None:
    for name in ("legal_name_ar", "legal_name_fr", "registration_number", "address", "province_id", "phone",
                 "email"):
        setattr(association, name, data[name] or None)
    db.session.flush()
    record("association.saved", association, actor=by, step="organisation")


def save_coverage(association: AssociationApplication, data: dict, by: User) -> None:
    allowed = {p.id for p in association.call.provinces}
    association.provinces = list(db.session.scalars(
        sa.select(Province).where(Province.id.in_([p for p in data["provinces"] if p in allowed]))))
    association.generalist = bool(data["generalist"])
    association.sectors = [] if association.generalist else list(db.session.scalars(
        sa.select(Sector).where(Sector.id.in_(data["sectors"] or []))))
    for name in ("capacity", "step_free_access", "accessible_toilets", "sign_language"):
        setattr(association, name, data[name])
    association.coverage_saved = True
    db.session.flush()
    record("association.saved", association, actor=by, step="coverage")


def save_team(association: AssociationApplication, team: list[dict], experience: str, references: str | None,
              by: User) -> None:
    association.team.clear()
    db.session.flush()
    for position, row in enumerate(team):
        association.team.append(AssociationTeamMember(position=position, **row))
    association.experience = experience
    association.references_text = references or None
    db.session.flush()
    record("association.saved", association, actor=by, step="team")


def documents_of(association: AssociationApplication) -> list[AssociationDocument]:
    return list(db.session.scalars(sa.select(AssociationDocument).where(
        AssociationDocument.association_application_id == association.id).order_by(AssociationDocument.id)))


def add_document(association: AssociationApplication, kind: str, file_storage, by: User) -> AssociationDocument:
    """Checked by content and size exactly like an applicant's document; a refused upload leaves no trace."""
    if kind not in DOCUMENT_KINDS:
        raise DocumentError(_l("Choose the type of document."))
    checked = check_upload(file_storage.stream)
    stored = storage.save(checked.data, db.session())
    document = AssociationDocument(
        association_application_id=association.id, kind=kind,
        original_name=display_name(file_storage.filename, checked.content_type), stored_name=stored.name,
        content_type=checked.content_type, size=stored.size, sha256=stored.sha256, uploaded_by_id=by.id)
    try:
        db.session.add(document)
        db.session.flush()
    except Exception:
        storage.remove(stored.name)
        raise
    record("association.document_added", association, actor=by, kind=kind, size=stored.size, sha256=stored.sha256)
    return document


def delete_document(association: AssociationApplication, document: AssociationDocument, by: User) -> None:
    record("association.document_deleted", association, actor=by, kind=document.kind, sha256=document.sha256)
    db.session.delete(document)
    db.session.flush()
    storage.remove_after_commit(document.stored_name, db.session())


# -- steps and sending --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    name: str
    title: object
    endpoint: str


STEPS = [
    Step("organisation", _l("The association"), "calls.organisation"),
    Step("coverage", _l("Coverage, capacity and accessibility"), "calls.coverage"),
    Step("team", _l("Team and experience"), "calls.team"),
    Step("documents", _l("Documents"), "calls.documents"),
]


def step_states(association: AssociationApplication, kinds: set[str] | None = None) -> list[tuple[Step, bool]]:
    """Which steps are complete; `kinds` (its documents' kinds) when the caller loaded them for many at once."""
    if kinds is None:
        kinds = set(db.session.scalars(sa.select(AssociationDocument.kind).where(
            AssociationDocument.association_application_id == association.id)))
    a = association
    done = {
        "organisation": bool(a.legal_name_ar and a.legal_name_fr and a.registration_number and a.address
                             and a.province_id and a.phone),
        "coverage": bool(a.coverage_saved and a.provinces and a.capacity and (a.generalist or a.sectors)),
        "team": bool(a.team and a.experience),
        "documents": set(DOCUMENT_KINDS) <= kinds,
    }
    return [(step, done[step.name]) for step in STEPS]


def progress(associations: list[AssociationApplication]) -> dict[int, tuple[int, int]]:
    """(steps complete, steps) of each draft, in a fixed number of queries whatever their number."""
    drafts = [a for a in associations if a.is_draft]
    kinds: dict[int, set[str]] = {a.id: set() for a in drafts}
    if drafts:
        for association_id, kind in db.session.execute(
                sa.select(AssociationDocument.association_application_id, AssociationDocument.kind)
                .where(AssociationDocument.association_application_id.in_(list(kinds)))):
            kinds[association_id].add(kind)
    states = {a.id: step_states(a, kinds[a.id]) for a in drafts}
    return {i: (sum(done for _, done in steps), len(steps)) for i, steps in states.items()}


def next_step(association: AssociationApplication, after: str | None = None) -> str:
    """The endpoint after step `after`, or the first incomplete one; the review once all are complete."""
    names = [step.name for step in STEPS]
    if after in names and names.index(after) + 1 < len(STEPS):
        return STEPS[names.index(after) + 1].endpoint
    if after in names:
        return "calls.review"
    missing = [step for step, done in step_states(association) if not done]
    return missing[0].endpoint if missing else "calls.review"


def submit(association: AssociationApplication, by: User, now: datetime) -> None:
    """Send the answer: complete, before the deadline (checked on the row locked for this transaction)."""
    locked = db.session.scalar(sa.select(AssociationApplication).where(AssociationApplication.id == association.id)
                               .with_for_update().execution_options(populate_existing=True))
    ensure_editable(locked, now)
    missing = [step for step, done in step_states(locked) if not done]
    if missing:
        raise CallError(gettext("Some steps are not complete: %(steps)s.",
                                steps=gettext(", ").join(str(step.title) for step in missing)))
    locked.status = AssociationStatus.SUBMITTED
    locked.submitted_at = now
    db.session.flush()
    record("association.submitted", locked, actor=by, call_id=locked.call_id)
    _tell_received(locked)


def _tell_received(association: AssociationApplication) -> None:
    user = association.representative
    with force_locale(user_locale(user)):
        values = dict(name=association.name, call=association.call.title)
        subject = gettext("Jisr: the application of %(name)s has been received", **values)
        body = "\n\n".join([
            gettext("Hello %(name)s,", name=user.full_name),
            gettext("The application of %(name)s to the call “%(call)s” has been received. The programme team "
                    "will review it after the deadline and tell you its decision.", **values),
        ])
        # i18n: an SMS. Keep it short (70 characters in Arabic script per SMS part).
        sms = gettext("Jisr: the application of %(name)s has been received. We will tell you the decision.",
                      **values)
        notify(user, subject, body, sms)


def representative_associations(user: User) -> list[AssociationApplication]:
    return list(db.session.scalars(
        sa.select(AssociationApplication).where(AssociationApplication.representative_id == user.id)
        .order_by(AssociationApplication.created_at.desc())
        .options(sa.orm.joinedload(AssociationApplication.call), sa.orm.selectinload(AssociationApplication.team),
                 sa.orm.selectinload(AssociationApplication.provinces),
                 sa.orm.selectinload(AssociationApplication.sectors))))
