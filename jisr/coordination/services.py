"""What coordinators and admins read and decide over the files of their scope. Functions flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import force_locale, gettext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from jisr import bidi
from jisr.applications.models import ApplicantProfile, Application, Status, StatusChange
from jisr.audit.services import record
from jisr.auth.models import User, user_provinces
from jisr.authz import application_scope, incubator_scope
from jisr.extensions import db
from jisr.geo.models import Province, Region
from jisr.i18n import user_locale
from jisr.incubators.models import Incubator
from jisr.outbox.services import notify
from jisr.routing import engine
from jisr.routing import services as routing
from jisr.routing.models import RoutingDecision, Trigger
from jisr.timeutil import aware

PAGE_SIZE = 25
#: States from which an eligibility decision may be overridden: before an incubator starts its review.
OVERRIDABLE = (Status.INELIGIBLE, Status.ELIGIBLE, Status.WAITLISTED, Status.ASSIGNED)


class CoordinationError(ValueError):
    """A refused decision; the message is shown as is."""


def scope_provinces(user: User) -> list[Province]:
    """The provinces a coordinator answers for (every province for an admin), by region then name."""
    query = sa.select(Province).join(Region).order_by(Region.id, Province.name_fr)
    if user.role != "admin":
        query = query.join(user_provinces, user_provinces.c.province_id == Province.id).where(
            user_provinces.c.user_id == user.id)
    return list(db.session.scalars(query))


def scope_incubators(user: User) -> list[Incubator]:
    return list(db.session.scalars(sa.select(Incubator).where(incubator_scope(user)).order_by(Incubator.name_fr)))


def _listed(user: User):
    return sa.and_(application_scope(user), Application.status != Status.DRAFT)


def file_rows(user: User, q: str | None, status: str | None, province_id: int | None,
              incubator_id: int | None, page: int) -> tuple[list, int]:
    """One page of the files of `user`'s scope, each with what the list shows, in one query (plus a count)."""
    where = [_listed(user)]
    if status:
        where.append(Application.status == status)
    if province_id:
        where.append(Application.province_id == province_id)
    if incubator_id:
        where.append(Application.incubator_id == incubator_id)
    if q:
        pattern = f"%{q.replace('%', '').replace('_', '')}%"
        where.append(sa.or_(Application.reference.ilike(pattern), ApplicantProfile.first_name_latin.ilike(pattern),
                            ApplicantProfile.last_name_latin.ilike(pattern),
                            ApplicantProfile.first_name_ar.like(pattern), ApplicantProfile.last_name_ar.like(pattern)))
    base = (sa.select(Application.id).outerjoin(ApplicantProfile, ApplicantProfile.user_id == Application.applicant_id)
            .where(*where))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(base.subquery()))
    rows = db.session.execute(
        sa.select(Application.id, Application.reference, Application.status, Application.submitted_at,
                  ApplicantProfile.first_name_ar, ApplicantProfile.last_name_ar, ApplicantProfile.first_name_latin,
                  ApplicantProfile.last_name_latin, Province, Incubator)
        .outerjoin(ApplicantProfile, ApplicantProfile.user_id == Application.applicant_id)
        .outerjoin(Province, Province.id == Application.province_id)
        .outerjoin(Incubator, Incubator.id == Application.incubator_id)
        .where(*where)
        .order_by(Application.submitted_at.desc(), Application.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return rows, total


def status_counts(user: User) -> dict[str, int]:
    rows = db.session.execute(sa.select(Application.status, sa.func.count()).where(_listed(user))
                              .group_by(Application.status))
    return dict(rows.all())


def waitlist_rows(user: User, province_id: int | None, page: int) -> tuple[list, int, dict[int, int]]:
    """One page of the routing waitlist of `user`'s scope, oldest first, each with why it waits and since
    when; the number waiting per province. A fixed number of queries whatever the length."""
    where = [application_scope(user), Application.status == Status.WAITLISTED, Application.incubator_id.is_(None)]
    per_province = dict(db.session.execute(
        sa.select(Application.province_id, sa.func.count()).where(*where).group_by(Application.province_id)).all())
    if province_id:
        where.append(Application.province_id == province_id)
    total = db.session.scalar(sa.select(sa.func.count(Application.id)).where(*where))
    latest = (sa.select(sa.func.max(RoutingDecision.id)).where(RoutingDecision.application_id == Application.id)
              .correlate(Application).scalar_subquery())
    since = (sa.select(sa.func.max(StatusChange.at))
             .where(StatusChange.application_id == Application.id, StatusChange.to_status == Status.WAITLISTED)
             .correlate(Application).scalar_subquery())
    decision = aliased(RoutingDecision)
    rows = db.session.execute(
        sa.select(Application.id, Application.reference, Application.submitted_at, since.label("since"),
                  ApplicantProfile.first_name_ar, ApplicantProfile.last_name_ar, ApplicantProfile.first_name_latin,
                  ApplicantProfile.last_name_latin, Province, decision.reason)
        .outerjoin(ApplicantProfile, ApplicantProfile.user_id == Application.applicant_id)
        .outerjoin(Province, Province.id == Application.province_id)
        .outerjoin(decision, decision.id == latest)
        .where(*where)
        .order_by(Application.submitted_at, Application.id)
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return rows, total, per_province


def routing_history(application: Application) -> tuple[list[RoutingDecision], dict[int, Incubator]]:
    """The file's routings, newest first, and every incubator their explanations name (two queries)."""
    decisions = list(db.session.scalars(
        sa.select(RoutingDecision).where(RoutingDecision.application_id == application.id)
        .order_by(RoutingDecision.id.desc()).options(sa.orm.selectinload(RoutingDecision.by))))
    ids = {c["incubator_id"] for d in decisions for c in (d.explanation or {}).get("considered", [])}
    ids |= {d.incubator_id for d in decisions if d.incubator_id}
    incubators = {i.id: i for i in db.session.scalars(sa.select(Incubator).where(Incubator.id.in_(ids)))}
    return decisions, incubators


@dataclass(frozen=True)
class Option:
    """An incubator a file could be sent to by hand, and how it fits the file."""

    incubator: Incubator
    candidate: engine.Candidate
    sector_ok: bool
    needs_met: tuple[str, ...]
    needs: tuple[str, ...]

    @property
    def has_room(self) -> bool:
        return self.candidate.active and self.candidate.load < self.candidate.capacity


def reroute_options(application: Application) -> list[Option]:
    """Every incubator covering her province, with how it fits her file (the engine's view of it)."""
    if application.province_id is None:
        return []
    pool = {c.id: c for c in routing.candidates({application.province_id})}
    file = routing.facts_of(application)
    needs = tuple(n for n in engine.NEEDS if n in file.needs)
    incubators = db.session.scalars(sa.select(Incubator).where(Incubator.id.in_(pool)).order_by(Incubator.name_fr))
    return [Option(incubator, c := pool[incubator.id], c.generalist or file.sector_id in c.sectors,
                   tuple(n for n in needs if n in c.needs_met(file.needs)), needs) for incubator in incubators]


def override_eligibility(application: Application, eligible: bool, note: str, by: User) -> None:
    """A coordinator (or admin) reverses the decision the programme's rules took; the reason goes into the
    file's history, which the applicant reads, and into the audit log. An eligible file is routed at once;
    a file found ineligible frees its incubator's place."""
    if application.status not in OVERRIDABLE:
        raise CoordinationError(gettext("This decision can no longer be changed: an incubator has started "
                                        "reviewing the file."))
    if eligible:
        if application.status != Status.INELIGIBLE:
            raise CoordinationError(gettext("This file is already eligible."))
        application.transition(Status.ELIGIBLE, by=by, reason=note)
        application.eligibility_reasons = None
        try:
            db.session.flush()  # the database holds "one active file per national ID" too
        except IntegrityError:
            db.session.rollback()
            raise CoordinationError(gettext("Another active file in this programme has the same national ID "
                                            "number: this one cannot become eligible.")) from None
        record("eligibility.overridden", application, actor=by, decision="eligible", note=note)
        routing.route(application, Trigger.OVERRIDE, by)
        return
    if application.status == Status.INELIGIBLE:
        raise CoordinationError(gettext("This file is already not eligible."))
    freed = application.incubator_id if application.occupies_place else None
    application.incubator_id = None
    application.mentor_id = None
    reasons = [{"code": "overridden", "params": {}}]
    application.eligibility_reasons = reasons
    application.transition(Status.INELIGIBLE, by=by, reason=note, reasons=reasons)
    record("eligibility.overridden", application, actor=by, decision="ineligible", note=note)
    _tell_ineligible(application, note)
    db.session.flush()
    routing.place_freed(freed)


def _tell_ineligible(application: Application, note: str) -> None:
    applicant = application.applicant
    with force_locale(user_locale(applicant)):
        values = dict(reference=bidi.isolate(application.reference), note=note)
        subject = gettext("Your Jisr file %(reference)s: new decision", **values)
        body = "\n\n".join([
            gettext("Hello %(name)s,", name=applicant.full_name),
            gettext("The programme team reviewed your file %(reference)s and found that it does not meet the "
                    "conditions of the programme. Their explanation: %(note)s", **values),
            gettext("You can read the details on the Jisr website, and contact the programme team if you think "
                    "this is a mistake."),
        ])
        # i18n: an SMS. Keep it short (70 characters in Arabic script per SMS part).
        sms = gettext("Jisr: new decision on your file %(reference)s. Read it on the Jisr website.", **values)
        notify(applicant, subject, body, sms, application=application)


def waiting_days(since: datetime | None, now: datetime) -> int:
    return max((now - aware(since)).days, 0) if since else 0

