"""Business rules of the applicant's file. Functions here flush, never commit: the request commits."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from jisr import bidi
from jisr.applications import eligibility
from jisr.applications.models import (
    CLOSED_STATES,
    ApplicantProfile,
    Application,
    Consent,
    PriorTraining,
    ProjectMember,
    Status,
    StatusChange,
)
from jisr.applications.references import next_reference
from jisr.applications.steps import incomplete_steps
from jisr.audit.services import record
from jisr.auth.models import User
from jisr.extensions import db
from jisr.outbox.models import Channel
from jisr.outbox.services import enqueue
from jisr.programmes import consent as consent_texts
from jisr.programmes.models import Programme
from jisr.routing import services as routing
from jisr.routing.models import Trigger
from jisr.timeutil import local_today, utcnow


class ApplicationError(Exception):
    """A rule refused the change; the message is shown to the user as is."""


def current_programme() -> Programme | None:
    """The programme open today, else the next one to open, else the last one that closed."""
    today = local_today()
    programmes = db.session.scalars(sa.select(Programme).order_by(Programme.opens_on)).all()
    open_now = [p for p in programmes if p.is_open(today)]
    if open_now:
        return open_now[0]
    upcoming = [p for p in programmes if p.opens_on > today]
    return upcoming[0] if upcoming else (programmes[-1] if programmes else None)


def profile_for(user: User) -> ApplicantProfile:
    profile = db.session.scalar(sa.select(ApplicantProfile).where(ApplicantProfile.user_id == user.id))
    if profile is None:
        profile = ApplicantProfile(user_id=user.id, phone=user.phone, email=user.email)
        db.session.add(profile)
        db.session.flush()
    return profile


def active_application(user: User, programme: Programme) -> Application | None:
    return db.session.scalar(
        sa.select(Application).where(
            Application.applicant_id == user.id,
            Application.programme_id == programme.id,
            Application.status.not_in(CLOSED_STATES),
        )
    )


def start_application(user: User, programme: Programme, created_by: User | None = None) -> Application:
    existing = active_application(user, programme)
    if existing is not None:
        return existing
    if not programme.is_open(local_today()):
        raise ApplicationError(_("The call for applications is not open."))
    profile = profile_for(user)
    application = Application(
        programme_id=programme.id,
        applicant_id=user.id,
        created_by_id=created_by.id if created_by else None,
        status=Status.DRAFT,
    )
    db.session.add(application)
    db.session.flush()
    if profile.national_id and _national_id_taken(programme.id, profile.national_id, application.id):
        raise ApplicationError(str(DUPLICATE_MESSAGE))
    application.national_id = profile.national_id
    application.province_id = profile.province_id
    application.history.append(StatusChange(from_status=None, to_status=Status.DRAFT, by_id=(created_by or user).id))
    record("application.created", application)
    return application


DUPLICATE_MESSAGE = _l(
    "A file with this national ID number already exists in this programme. Each person can have only "
    "one active file. If you think this is a mistake, contact the programme team."
)


def _national_id_taken(programme_id: int, national_id: str, exclude_id: int | None) -> bool:
    query = sa.select(Application.id).where(
        Application.programme_id == programme_id,
        Application.national_id == national_id,
        Application.status.not_in(CLOSED_STATES),
    )
    if exclude_id is not None:
        query = query.where(Application.id != exclude_id)
    return db.session.scalar(query.limit(1)) is not None


def save_identity(application: Application, profile: ApplicantProfile, data: dict) -> None:
    """Save the identity step; the national ID is checked against other active files first."""
    if _national_id_taken(application.programme_id, data["national_id"], application.id):
        raise ApplicationError(str(DUPLICATE_MESSAGE))
    for key, value in data.items():
        setattr(profile, key, value)
    application.national_id = profile.national_id
    application.province_id = profile.province_id
    try:
        db.session.flush()
    except IntegrityError:  # another request took the same ID between our check and our write
        db.session.rollback()
        raise ApplicationError(str(DUPLICATE_MESSAGE)) from None


def save_fields(target, data: dict) -> None:
    for key, value in data.items():
        setattr(target, key, value)
    db.session.flush()


def save_project(application: Application, data: dict, members: list[dict]) -> None:
    save_fields(application, data)
    application.members.clear()
    if application.carrier == "group":
        for position, member in enumerate(members):
            application.members.append(ProjectMember(position=position, **member))
    db.session.flush()


def save_needs(application: Application, data: dict, trainings: list[dict]) -> None:
    data = {**data, "needs_saved": True}
    save_fields(application, data)
    application.trainings.clear()
    for position, training in enumerate(trainings):
        application.trainings.append(PriorTraining(position=position, **training))
    db.session.flush()


def submit(application: Application, by: User, consent_method: str = "online") -> None:
    """Consent, reference, eligibility: all in the caller's transaction, or none of it."""
    if application.status != Status.DRAFT:
        raise ApplicationError(_("This file has already been sent."))
    missing = incomplete_steps(application)
    if missing:
        raise ApplicationError(_("Some steps are not complete yet: %(steps)s.",
                                 steps=_(", ").join(str(step.title) for step in missing)))
    profile = profile_for(application.applicant)
    language = get_locale().language
    db.session.add(Consent(application_id=application.id, user_id=application.applicant_id,
                           text_version=consent_texts.current(application.programme).version, language=language,
                           method=consent_method,
                           attested_by_id=by.id if by.id != application.applicant_id else None))
    now = utcnow()
    application.reference = next_reference(now.year)
    application.submitted_at = now
    application.transition(Status.SUBMITTED, by=by)

    facts = eligibility.Facts(
        today=local_today(),
        birth_date=profile.birth_date,
        sex=profile.sex,
        has_disability=profile.has_disability,
        province_id=profile.province_id,
        province_name=profile.province.name if profile.province else "",
        duplicate_national_id=_national_id_taken(application.programme_id, profile.national_id, application.id),
    )
    reasons = [reason.as_json() for reason in eligibility.evaluate(application.programme, facts)]
    application.eligibility_reasons = reasons
    decision = Status.INELIGIBLE if reasons else Status.ELIGIBLE
    application.transition(decision, by=None, reasons=reasons or None)
    record("application.submitted", application, reference=application.reference, decision=decision.value)
    reference = bidi.isolate(application.reference)  # reads left to right inside the Arabic text
    _notify(application, _("Your Jisr application %(reference)s was received", reference=reference),
            # i18n: also sent by SMS: keep it under 160 characters (70 in Arabic script).
            _("Your application has been received. Reference: %(reference)s. You can follow it on the Jisr "
              "website.", reference=reference))
    if decision is Status.ELIGIBLE:  # routed in the same transaction: an eligible file never waits for a person
        routing.route(application, Trigger.ELIGIBLE)
    db.session.flush()


def latest_routing(application: Application):
    from jisr.routing.models import RoutingDecision

    return db.session.scalar(sa.select(RoutingDecision).where(RoutingDecision.application_id == application.id)
                             .order_by(RoutingDecision.id.desc()).limit(1))


def withdraw(application: Application, by: User, reason: str | None) -> None:
    if not application.can_withdraw:
        raise ApplicationError(_("This file can no longer be withdrawn."))
    freed = application.incubator_id if application.occupies_place else None
    application.transition(Status.WITHDRAWN, by=by, reason=reason or None)
    record("application.withdrawn", application)
    db.session.flush()
    routing.place_freed(freed)


def _notify(application: Application, subject: str, body: str) -> None:
    user, language = application.applicant, get_locale().language
    if user.email:
        enqueue(Channel.EMAIL, user.email, subject, body, language, application.id)
    elif user.phone:
        enqueue(Channel.SMS, user.phone, "", body, language, application.id)
