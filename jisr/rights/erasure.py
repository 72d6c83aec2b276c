"""Erasure: her request, the admin's decision, and the anonymisation that follows; the retention that anonymises
closed files after a while. Functions flush, never commit.

Anonymising keeps what the statistics need (sex, province, sector, disability, difficult situations, the stages
her files reached, the age band she was in when each file started) and removes everything that names her or
that staff wrote about her: names, national ID, phones, e-mail, commune, card number, the project's title and
description, group members, trainings, documents (rows and files), notes, requests and answers, reasons written
in the timeline, the outcome's registration number and its history, the messages sent to her, and the details
of the audit entries about her. The account stays, deactivated, so that the files keep their applicant; it
can never sign in again."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l

from jisr.applications.models import ApplicantProfile, Application, PriorTraining, ProjectMember, Status, StatusChange
from jisr.audit.models import AuditEntry
from jisr.audit.services import record
from jisr.auth.models import PasswordResetCode, User
from jisr.documents import storage
from jisr.documents.models import Document
from jisr.extensions import db
from jisr.i18n import user_locale
from jisr.outbox.models import Channel, OutboxMessage
from jisr.outbox.services import enqueue
from jisr.stats.facts import age_band
from jisr.timeutil import aware, utcnow
from jisr.workspace.models import (
    Convocation,
    FinancingDecision,
    InfoRequest,
    Outcome,
    OutcomeRevision,
    StageEntry,
)

from .models import ErasureRequest

ERASED_NAME = "—"
#: A birth date in the middle of each age band, counted back from the day a file started.
_BAND_AGE = {"under_25": 20, "25_34": 30, "35_44": 40, "45_plus": 50}


class ErasureError(Exception):
    """A request that cannot be made or decided (already waiting, already decided)."""


def pending_request(user: User) -> ErasureRequest | None:
    return db.session.scalar(sa.select(ErasureRequest).where(ErasureRequest.user_id == user.id,
                                                             ErasureRequest.state == "pending"))


def request_erasure(user: User) -> ErasureRequest:
    if pending_request(user) is not None:
        raise ErasureError(_l("Your request is already waiting for a decision."))
    found = ErasureRequest(user_id=user.id)
    db.session.add(found)
    db.session.flush()
    record("rights.erasure_requested", found, actor=user)
    return found


def _tell(user: User, subject: str, body: str) -> list[int]:
    """A message in her language to her contacts, before they are erased; the ids of the messages, whose
    recipient `apply_retention` clears once they are sent."""
    sent = []
    for channel, contact in ((Channel.EMAIL, user.email), (Channel.SMS, user.phone)):
        if contact:
            message = enqueue(channel, contact, subject if channel == Channel.EMAIL else "", body,
                              user.locale or "ar")
            db.session.flush()
            sent.append(message.id)
    return sent


def decide(request: ErasureRequest, by: User, approve: bool, note: str | None = None) -> None:
    if request.state != "pending":
        raise ErasureError(_l("This request has already been decided."))
    user = request.user
    request.state, request.decided_by_id, request.decided_at = ("approved" if approve else "refused"), by.id, utcnow()
    request.note = None if approve else note
    with force_locale(user_locale(user)):
        if approve:
            request.notice_ids = _tell(user, gettext("Jisr: your data has been erased"), gettext(
                "Jisr: as you asked, your personal data has been erased. Your account is closed."))
        else:
            _tell(user, gettext("Jisr: your request for erasure"),
                  gettext("Jisr: your request for erasure was not accepted: %(note)s", note=note or ""))
    record("rights.erasure_decided", request, actor=by, approved=approve)
    db.session.flush()
    if approve:
        anonymise(user, by, keep_messages=request.notice_ids or [])


def _kept_birth_date(profile: ApplicantProfile, first_started: date | None) -> date | None:
    """A birth date that keeps only the age band she was in when her first file started."""
    if profile.birth_date is None or first_started is None:
        return None
    band = age_band(profile.birth_date, first_started)
    return first_started.replace(month=1, day=1) - timedelta(days=365 * _BAND_AGE[band]) if band in _BAND_AGE \
        else None


def anonymise(user: User, by: User | None, keep_messages=()) -> None:
    """`keep_messages`: the notice telling her, still to be sent (its recipient is cleared once sent)."""
    applications = list(db.session.scalars(sa.select(Application).where(Application.applicant_id == user.id)
                                           .order_by(Application.created_at)))
    ids = [a.id for a in applications]
    profile = db.session.scalar(sa.select(ApplicantProfile).where(ApplicantProfile.user_id == user.id))
    contacts = [c for c in (user.email, user.phone, profile.email if profile else None,
                            profile.phone if profile else None) if c]
    if profile is not None:
        first = aware(applications[0].created_at).date() if applications else None
        profile.birth_date = _kept_birth_date(profile, first)
        for name in ("first_name_ar", "last_name_ar", "first_name_latin", "last_name_latin", "national_id", "phone",
                     "email", "commune", "disability_card_number"):
            setattr(profile, name, None)
    for application in applications:
        application.national_id = None
        application.project_title = None
        application.project_description = None
        application.group_name = None
    if ids:
        for document in db.session.scalars(sa.select(Document).where(Document.application_id.in_(ids))):
            storage.remove_after_commit(document.stored_name, db.session)
            db.session.delete(document)
        for model in (ProjectMember, PriorTraining, OutcomeRevision):
            db.session.execute(sa.delete(model).where(model.application_id.in_(ids)))
        db.session.execute(sa.update(StatusChange).where(StatusChange.application_id.in_(ids))
                           .values(reason=None))
        db.session.execute(sa.update(InfoRequest).where(InfoRequest.application_id.in_(ids))
                           .values(message="", answer=None))
        db.session.execute(sa.update(Convocation).where(Convocation.application_id.in_(ids))
                           .values(arrangements=None, topics=None, notes=None, next_steps=None))
        db.session.execute(sa.update(StageEntry).where(StageEntry.application_id.in_(ids)).values(note=None))
        db.session.execute(sa.update(Outcome).where(Outcome.application_id.in_(ids)).values(registration_number=None))
        db.session.execute(sa.update(FinancingDecision).where(FinancingDecision.application_id.in_(ids))
                           .values(note=None))
    messages = [OutboxMessage.application_id.in_(ids)] if ids else []
    messages += [OutboxMessage.recipient.in_(contacts)] if contacts else []
    if messages:  # what was sent to her (or waits to be), except the notice of this very erasure
        db.session.execute(sa.delete(OutboxMessage).where(sa.or_(*messages),
                                                          OutboxMessage.id.not_in(list(keep_messages) or [-1])))
    about_her = sa.or_(sa.and_(AuditEntry.object_type == "users", AuditEntry.object_id == user.id),
                       sa.and_(AuditEntry.object_type == "applications", AuditEntry.object_id.in_(ids or [-1])),
                       AuditEntry.actor_id == user.id)
    db.session.execute(sa.update(AuditEntry).where(about_her).values(details=None, ip=None))
    db.session.execute(sa.delete(PasswordResetCode).where(PasswordResetCode.user_id == user.id))
    user.full_name, user.phone, user.password_hash, user.active = ERASED_NAME, None, None, False
    user.email = f"erased-{user.id}@erased.invalid"  # an account needs a contact; this one reaches nobody
    db.session.flush()
    record("rights.anonymised", user, actor=by, files=len(ids))


def retention_days() -> int:
    return int(current_app.config.get("RETENTION_DAYS", 5 * 365))


def apply_retention(now=None) -> int:
    """Anonymise the applicants whose every file closed more than the retention period ago (and who have at
    least one), and clear the recipient of erasure notices already sent. Returns how many were anonymised."""
    now = now or utcnow()
    limit = now - timedelta(days=retention_days())
    closed = (Status.INELIGIBLE, Status.REJECTED, Status.WITHDRAWN, Status.DROPPED_OUT, Status.COMPLETED)
    still_open = sa.select(Application.applicant_id).where(sa.or_(Application.status.not_in(closed),
                                                                  Application.updated_at > limit))
    due = list(db.session.scalars(
        sa.select(User).where(User.role == "applicant", User.active.is_(True), User.id.not_in(still_open),
                              User.id.in_(sa.select(Application.applicant_id)))))
    for user in due:
        anonymise(user, None)
    notices = [i for ids in db.session.scalars(sa.select(ErasureRequest.notice_ids).where(
        ErasureRequest.notice_ids.is_not(None))) for i in ids or []]
    if notices:
        db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.id.in_(notices),
                                                          OutboxMessage.state != "pending")
                           .values(recipient="erased", subject="", body=""))
    return len(due)
