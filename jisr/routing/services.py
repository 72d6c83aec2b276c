"""Routing in the database: load the facts, lock the area, count the loads, let the pure engine decide,
store the decision with its explanation and tell the applicant. Functions flush, never commit.

Loads are always counted from the files themselves (OCCUPYING_STATES), never kept in a counter that could
drift. Two routings in the same area must not both take an incubator's last place: each first locks the
incubators covering the provinces it routes in (SELECT ... FOR UPDATE on PostgreSQL, in id order so two
areas never deadlock; SQLite serialises writers, so taking its write lock first does the same), and counts
only then, so the second one counts the first one's file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import sqlalchemy as sa
from flask_babel import force_locale, gettext

from jisr import bidi
from jisr.applications.models import OCCUPYING_STATES, ApplicantProfile, Application, Status
from jisr.audit.services import record
from jisr.auth.models import User
from jisr.extensions import db
from jisr.i18n import user_locale
from jisr.incubators.models import Incubator, incubator_provinces, incubator_sectors
from jisr.labels import label
from jisr.outbox.services import notify
from jisr.routing import engine
from jisr.routing.models import RoutingDecision, Trigger

#: States from which a file may be routed again, automatically or by hand: once an incubator has
#: started reviewing it, moving it is a transfer between incubators, not a routing.
ROUTABLE_STATES = (Status.ELIGIBLE, Status.WAITLISTED, Status.ASSIGNED)
BATCH = 500


class RoutingError(ValueError):
    """A routing by hand was refused; the message is shown as is."""


# -- loads and candidates ------------------------------------------------------------------------------

def loads(incubator_ids: Iterable[int]) -> dict[int, int]:
    """Files occupying a place at each incubator, in one query."""
    ids = list(incubator_ids)
    counts = dict.fromkeys(ids, 0)
    if not ids:
        return counts
    rows = db.session.execute(
        sa.select(Application.incubator_id, sa.func.count())
        .where(Application.incubator_id.in_(ids), Application.status.in_(OCCUPYING_STATES))
        .group_by(Application.incubator_id))
    counts.update({incubator_id: count for incubator_id, count in rows})
    return counts


def _covering(province_ids: Iterable[int]):
    return (sa.select(incubator_provinces.c.incubator_id)
            .where(incubator_provinces.c.province_id.in_(list(province_ids))))


def _lock_area(province_ids: set[int]) -> None:
    """Take the area's lock before anything is counted (see the module docstring)."""
    if not province_ids:
        return
    covering = _covering(province_ids)
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(Incubator.id).where(Incubator.id.in_(covering)).order_by(Incubator.id)
                           .with_for_update())
    else:  # SQLite: a write takes the database's single write lock until the transaction ends
        db.session.execute(sa.update(Incubator).where(Incubator.id.in_(covering)).values(id=Incubator.id)
                           .execution_options(synchronize_session=False))


def candidates(province_ids: Iterable[int]) -> list[engine.Candidate]:
    """The incubators covering these provinces, as the engine sees them, with their current loads
    (four queries whatever their number)."""
    province_ids = set(province_ids)
    if not province_ids:
        return []
    incubators = db.session.execute(sa.select(
        Incubator.id, Incubator.generalist, Incubator.capacity, Incubator.active, Incubator.sign_language,
        Incubator.step_free_access, Incubator.accessible_toilets).where(Incubator.id.in_(_covering(province_ids)))
    ).all()
    ids = [row.id for row in incubators]
    provinces: dict[int, set[int]] = {i: set() for i in ids}
    for incubator_id, province_id in db.session.execute(
            sa.select(incubator_provinces.c.incubator_id, incubator_provinces.c.province_id)
            .where(incubator_provinces.c.incubator_id.in_(ids))):
        provinces[incubator_id].add(province_id)
    sectors: dict[int, set[int]] = {i: set() for i in ids}
    for incubator_id, sector_id in db.session.execute(
            sa.select(incubator_sectors.c.incubator_id, incubator_sectors.c.sector_id)
            .where(incubator_sectors.c.incubator_id.in_(ids))):
        sectors[incubator_id].add(sector_id)
    load = loads(ids)
    return [engine.Candidate(id=row.id, provinces=frozenset(provinces[row.id]), sectors=frozenset(sectors[row.id]),
                             generalist=row.generalist, capacity=row.capacity, load=load[row.id],
                             sign_language=row.sign_language, step_free_access=row.step_free_access,
                             accessible_toilets=row.accessible_toilets, active=row.active)
            for row in incubators]


_NEED_COLUMNS = {
    "sign_language": ApplicantProfile.needs_sign_language,
    "accessible_venue": ApplicantProfile.needs_accessible_venue,
    "large_print": ApplicantProfile.needs_large_print,
    "companion": ApplicantProfile.needs_companion,
}


def _facts_query():
    return (sa.select(Application.id, Application.province_id, Application.sector_id, *_NEED_COLUMNS.values())
            .outerjoin(ApplicantProfile, ApplicantProfile.user_id == Application.applicant_id))


def _facts(row) -> engine.FileFacts:
    needs = frozenset(need for need, flag in zip(_NEED_COLUMNS, row[3:], strict=True) if flag)
    return engine.FileFacts(id=row[0], province_id=row[1], sector_id=row[2], needs=needs)


def facts_of(application: Application) -> engine.FileFacts:
    db.session.flush()
    return _facts(db.session.execute(_facts_query().where(Application.id == application.id)).one())


# -- routing one file, and the waitlist of an area -----------------------------------------------------

def route(application: Application, trigger: Trigger = Trigger.ELIGIBLE, by: User | None = None) -> RoutingDecision:
    """Route an eligible (or waitlisted) file now: to the best incubator with room, or to the waitlist."""
    province_ids = {application.province_id} if application.province_id else set()
    _lock_area(province_ids)
    router = engine.Router(candidates(province_ids))
    return _apply(application, router.route(facts_of(application)), trigger, by)


def incubator_changed(incubator: Incubator, trigger: Trigger = Trigger.CAPACITY) -> int:
    """An incubator was selected, or grew, or changed what it covers: its area's waitlist is routed again."""
    db.session.flush()
    province_ids = set(db.session.scalars(sa.select(incubator_provinces.c.province_id)
                                          .where(incubator_provinces.c.incubator_id == incubator.id)))
    return route_waitlist(province_ids, trigger)


def place_freed(incubator_id: int | None) -> int:
    """A file left an incubator (rejected, completed, dropped out, withdrawn, re-routed, found ineligible):
    the oldest waiting files of its area may take the place."""
    if incubator_id is None:
        return 0
    db.session.flush()
    province_ids = set(db.session.scalars(sa.select(incubator_provinces.c.province_id)
                                          .where(incubator_provinces.c.incubator_id == incubator_id)))
    return route_waitlist(province_ids, Trigger.PLACE_FREED)


def route_waitlist(province_ids: set[int], trigger: Trigger) -> int:
    """Route the waiting files of these provinces again, oldest first; returns how many got a place.

    A file that still waits gets a new decision only when the reason it waits has changed, so freeing one
    place does not write a row for every waiting file of the region."""
    if not province_ids:
        return 0
    _lock_area(province_ids)
    router = engine.Router(candidates(province_ids))
    waiting = (_facts_query()
               .where(Application.status == Status.WAITLISTED, Application.incubator_id.is_(None),
                      Application.province_id.in_(province_ids))
               .order_by(Application.submitted_at, Application.id))
    routed = 0
    rows = db.session.execute(waiting).all()
    for start in range(0, len(rows), BATCH):
        batch = rows[start:start + BATCH]
        if trigger is Trigger.PLACE_FREED and not router.has_room():
            break  # nothing else can change for the rest of them
        decisions = [router.route(_facts(row)) for row in batch]
        previous = _latest_reasons([d.file_id for d in decisions if d.waitlisted])
        # Their history (a routing appends to it) and applicant (who is told) come in the same round trips.
        applications = {a.id: a for a in db.session.scalars(
            sa.select(Application).where(Application.id.in_(
                [d.file_id for d in decisions if not d.waitlisted or previous.get(d.file_id) != d.reason]))
            .options(sa.orm.selectinload(Application.history), sa.orm.joinedload(Application.applicant)))}
        for decision in decisions:
            if decision.file_id in applications:
                _apply(applications[decision.file_id], decision, trigger, None)
                routed += not decision.waitlisted
    return routed


def _latest_reasons(application_ids: list[int]) -> dict[int, str | None]:
    if not application_ids:
        return {}
    latest = (sa.select(sa.func.max(RoutingDecision.id)).where(RoutingDecision.application_id.in_(application_ids))
              .group_by(RoutingDecision.application_id))
    return dict(db.session.execute(sa.select(RoutingDecision.application_id, RoutingDecision.reason)
                                   .where(RoutingDecision.id.in_(latest))).all())


def reroute_by_hand(application: Application, incubator_id: int | None, by: User, note: str) -> RoutingDecision:
    """A coordinator or admin sends a file elsewhere (or lets the engine choose again, incubator_id None),
    with a written reason. The chosen incubator must cover her province and have room; it may differ
    from what the engine would pick (sector, accessibility): that is the point of a human decision."""
    if application.status not in ROUTABLE_STATES:
        raise RoutingError(gettext("This file can no longer be re-routed: its incubator has started reviewing it."))
    old_incubator = application.incubator_id if application.occupies_place else None
    province_ids = {application.province_id} if application.province_id else set()
    _lock_area(province_ids)
    pool = candidates(province_ids)
    file = facts_of(application)
    if incubator_id is None:
        others = [c if c.id != old_incubator else _without(c, application) for c in pool]
        decision = engine.Router(others).route(file)
    else:
        chosen = next((c for c in pool if c.id == incubator_id), None)
        if chosen is None or not chosen.active or file.province_id not in chosen.provinces:
            raise RoutingError(gettext("This incubator does not work in the province of the file."))
        load = chosen.load - (1 if chosen.id == old_incubator else 0)
        if load >= chosen.capacity:
            raise RoutingError(gettext("This incubator has no place left."))
        decision = engine.manual_decision(file, [_without(c, application) if c.id == old_incubator else c
                                                 for c in pool], chosen.id)
    stored = _apply(application, decision, Trigger.MANUAL, by, note=note)
    if old_incubator is not None and old_incubator != application.incubator_id:
        place_freed(old_incubator)
    return stored


def _without(candidate: engine.Candidate, application: Application) -> engine.Candidate:
    """The candidate as if this file did not occupy one of its places (it is the one being moved)."""
    return replace(candidate, load=max(candidate.load - 1, 0))


def _apply(application: Application, decision: engine.Decision, trigger: Trigger, by: User | None,
           note: str | None = None) -> RoutingDecision:
    stored = RoutingDecision(application_id=application.id, trigger=trigger, by_id=by.id if by else None,
                             incubator_id=decision.incubator_id, reason=decision.reason, note=note,
                             explanation=decision.as_json())
    db.session.add(stored)
    if decision.incubator_id is not None:
        moved = application.incubator_id != decision.incubator_id or application.status != Status.ASSIGNED
        application.incubator_id = decision.incubator_id
        if moved:
            application.mentor_id = None
            application.transition(Status.ASSIGNED, by=by, reason=note)
            _tell_routed(application)
        record("routing.assigned", application, actor=by, incubator_id=decision.incubator_id, trigger=str(trigger))
    else:
        application.incubator_id = None
        application.mentor_id = None
        if application.status != Status.WAITLISTED:
            application.transition(Status.WAITLISTED, by=by, reason=note,
                                   reasons=[{"code": decision.reason, "params": {}}])
            _tell_waitlisted(application, decision.reason)
        record("routing.waitlisted", application, actor=by, reason=decision.reason, trigger=str(trigger))
    db.session.flush()
    return stored


# -- telling the applicant, in her language ------------------------------------------------------------

def _tell_routed(application: Application) -> None:
    applicant = application.applicant
    incubator = db.session.get(Incubator, application.incubator_id)
    with force_locale(user_locale(applicant)):
        # Isolated for the Arabic text: the reference and the phone (as people write it) read left to right,
        # the address (typed in either script) in its own direction.
        values = dict(reference=bidi.isolate(application.reference), incubator=incubator.name,
                      phone=bidi.isolate(bidi.display_phone(incubator.phone)),
                      address=bidi.isolate_auto(incubator.address))
        subject = gettext("Your Jisr file %(reference)s: an association will accompany you", **values)
        body = "\n\n".join([
            gettext("Hello %(name)s,", name=applicant.full_name),
            gettext("Your file %(reference)s has been sent to %(incubator)s, which will accompany you.", **values),
            gettext("Address: %(address)s. Phone: %(phone)s.", **values),
            gettext("The association will contact you to invite you to a first meeting. You can follow your file "
                    "on the Jisr website."),
        ])
        # i18n: an SMS. Keep it short (70 characters in Arabic script per SMS part).
        sms = gettext("Jisr: your file %(reference)s was sent to %(incubator)s (%(phone)s), which will contact "
                      "you.", **values)
        notify(applicant, subject, body, sms, application=application)


def _tell_waitlisted(application: Application, reason: str | None) -> None:
    applicant = application.applicant
    with force_locale(user_locale(applicant)):
        why = label("waitlist_reason", reason)
        values = dict(reference=bidi.isolate(application.reference), reason=why)
        subject = gettext("Your Jisr file %(reference)s is on the waiting list", **values)
        body = "\n\n".join([
            gettext("Hello %(name)s,", name=applicant.full_name),
            gettext("Your file %(reference)s meets the conditions of the programme, but no accompanying association "
                    "can take it for now: %(reason)s", **values),
            gettext("You keep your place on the waiting list. As soon as an association near you has room, your "
                    "file is sent to it and we tell you."),
        ])
        # i18n: an SMS. Keep it short (70 characters in Arabic script per SMS part).
        sms = gettext("Jisr: your file %(reference)s is on the waiting list. You keep your place; we will tell you "
                      "when an association can accompany you.", **values)
        notify(applicant, subject, body, sms, application=application)
