"""What each file counts as in the dashboards, and the summary kept equal to it as files move.

A file's *facts* are the funnel stages it has reached (cumulative: a file that withdrew after being accepted
still reached "accepted") and the breakdowns it falls in (province, month started, sector, disability, age band,
difficult situations, individual or group). After every flush that touched a file or its applicant's profile,
the file's facts are computed again and, when they changed, its old rows of `funnel_counts` lose one and its
new rows gain one, in the same transaction: the summary equals a recount at every commit
(tests/test_stats_summary.py proves it with random histories). Statements that bypass the ORM (bulk UPDATEs of
applications) bypass this too: call `refresh(ids)` after them, or `rebuild()`.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from jisr.applications.models import ApplicantProfile, Application, Status, StatusChange
from jisr.extensions import db
from jisr.timeutil import aware

from .models import ApplicationFact, FunnelCount, FunnelDelta

STAGES = ("registered", "submitted", "eligible", "routed", "accepted", "in_mentoring", "completed", "dropped_out")
_BIT = {stage: 1 << n for n, stage in enumerate(STAGES)}
#: The stages a status shows a file has reached, on top of those it reached before.
_REACHES = {
    Status.DRAFT: ("registered",),
    Status.SUBMITTED: ("registered", "submitted"),
    Status.INELIGIBLE: ("registered", "submitted"),
    Status.ELIGIBLE: ("registered", "submitted", "eligible"),
    Status.WAITLISTED: ("registered", "submitted", "eligible"),
    Status.ASSIGNED: ("registered", "submitted", "eligible", "routed"),
    Status.UNDER_REVIEW: ("registered", "submitted", "eligible", "routed"),
    Status.INFO_REQUESTED: ("registered", "submitted", "eligible", "routed"),
    Status.REJECTED: ("registered", "submitted", "eligible", "routed"),
    Status.ACCEPTED: ("registered", "submitted", "eligible", "routed", "accepted"),
    Status.IN_MENTORING: ("registered", "submitted", "eligible", "routed", "accepted", "in_mentoring"),
    Status.COMPLETED: ("registered", "submitted", "eligible", "routed", "accepted", "in_mentoring", "completed"),
    Status.DROPPED_OUT: ("registered", "submitted", "eligible", "routed", "accepted", "dropped_out"),
    Status.WITHDRAWN: ("registered",),
}
DIMENSIONS = ("sector", "disability", "age_band", "situation", "carrier", "incubator")
SITUATIONS = ("is_widow", "is_divorced", "is_single_mother", "is_head_of_household")


def mask_of(statuses) -> int:
    mask = 0
    for status in statuses:
        for stage in _REACHES.get(status, ()):
            mask |= _BIT[stage]
    return mask


def stages_of(mask: int) -> list[str]:
    return [stage for stage in STAGES if mask & _BIT[stage]]


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "UTC"))


def age_band(birth: date | None, on: date) -> str:
    if birth is None:
        return "unknown"
    age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    return "under_25" if age < 25 else "25_34" if age < 35 else "35_44" if age < 45 else "45_plus"


#: The month of the rows that count every month at once: a dashboard without a period reads them.
ALL_TIME = date(1, 1, 1)


def keys_of(application: Application, profile: ApplicantProfile | None) -> list[list]:
    """The [province, month, dimension, value] rows the file adds to: for its province and for all (0), each for
    its month and for all time (ALL_TIME), so that the usual question (no period) reads the fewest rows."""
    started = aware(application.created_at or datetime.now(_zone())).astimezone(_zone()).date()
    month = started.replace(day=1).isoformat()
    province = application.province_id or (profile.province_id if profile else None) or -1
    values = {
        "sector": [str(application.sector_id) if application.sector_id else "unknown"],
        "disability": [(profile.disability_type if profile else None) or "none"],
        "age_band": [age_band(profile.birth_date if profile else None, started)],
        "situation": [name[3:] for name in SITUATIONS if profile is not None and getattr(profile, name)] or ["none"],
        "carrier": [application.carrier or "unknown"],
        # The incubator it is routed to now: an incubator's record follows the files it took in.
        "incubator": [str(application.incubator_id) if application.incubator_id else "none"],
    }
    rows = [["all", ""]] + [[dimension, value] for dimension in DIMENSIONS for value in values[dimension]]
    return [[where, when, dimension, value] for where in (province, 0) for when in (month, ALL_TIME.isoformat())
            for dimension, value in rows]


_KEY = ("programme_id", "province_id", "month", "dimension", "value", "stage")


def _upsert(programme_id: int, deltas: Counter) -> None:
    """Record the deltas for funnel_counts: inserted (one statement), never updated in place, so concurrent
    transactions do not queue on the summary's shared rows. `fold` adds them in."""
    rows = [{"programme_id": programme_id, "province_id": province, "month": date.fromisoformat(month),
             "dimension": dimension, "value": value, "stage": stage, "delta": delta}
            for (province, month, dimension, value, stage), delta in sorted(deltas.items()) if delta]
    if rows:
        db.session.connection().execute(sa.insert(FunnelDelta), rows)


def fold() -> int:
    """Add the recorded deltas into funnel_counts, in the caller's transaction: the deltas are deleted with
    RETURNING, so two folds at once never count a delta twice (the second finds them gone). Returns how many."""
    connection = db.session.connection()
    folded = connection.execute(sa.delete(FunnelDelta).returning(
        *[getattr(FunnelDelta, name) for name in _KEY], FunnelDelta.delta)).all()
    totals = Counter()
    for row in folded:
        totals[tuple(row[:6])] += row[6]
    rows = [dict(zip(_KEY, key, strict=True), count=n) for key, n in sorted(totals.items()) if n]
    if rows:
        insert = (postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert)(FunnelCount)
        connection.execute(insert.on_conflict_do_update(
            index_elements=list(_KEY), set_={"count": FunnelCount.count + insert.excluded["count"]}), rows)
    return len(folded)


def _rows(keys: list[list], mask: int) -> Counter:
    return Counter({(k[0], k[1], k[2], k[3], stage): 1 for k in keys for stage in stages_of(mask)})


def refresh(application_ids) -> None:
    """Count these files again (their facts, then the difference in funnel_counts): four queries, a write of
    each changed file's facts, and one statement for the summary rows. The stages come from the whole status
    history each time, so two moves within one flush (accepted, then withdrawn) both count."""
    ids = sorted(set(application_ids))
    if not ids:
        return
    connection = db.session.connection()
    found = connection.execute(sa.select(Application.__table__).where(Application.id.in_(ids))).all()
    profiles = {p.user_id: p for p in connection.execute(sa.select(ApplicantProfile.__table__).where(
        ApplicantProfile.user_id.in_({row.applicant_id for row in found})))} if found else {}
    history: dict[int, list[str]] = {}
    for application_id, status in connection.execute(sa.select(StatusChange.application_id, StatusChange.to_status)
                                                      .where(StatusChange.application_id.in_(ids))):
        history.setdefault(application_id, []).append(status)
    old = {f.application_id: f for f in connection.execute(
        sa.select(ApplicationFact.__table__).where(ApplicationFact.application_id.in_(ids)))}
    by_programme: dict[int, Counter] = {}
    for row in found:
        before = old.get(row.id)
        keys = keys_of(row, profiles.get(row.applicant_id))
        mask = mask_of(history.get(row.id, []) + [row.status])
        if before is not None and before.keys == keys and before.reached == mask:
            continue
        delta = by_programme.setdefault(row.programme_id, Counter())
        delta.update(_rows(keys, mask))
        if before is not None:
            delta.subtract(_rows(before.keys, before.reached))
            connection.execute(sa.update(ApplicationFact).where(ApplicationFact.application_id == row.id)
                               .values(keys=keys, reached=mask))
        else:
            connection.execute(sa.insert(ApplicationFact).values(application_id=row.id, keys=keys, reached=mask,
                                                                 programme_id=row.programme_id))
    for programme_id, deltas in by_programme.items():
        _upsert(programme_id, deltas)


def _touched(session) -> set[int]:
    applications, users = set(), set()
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Application) and obj.id is not None:
            applications.add(obj.id)
        elif isinstance(obj, ApplicantProfile) and obj.user_id is not None:
            users.add(obj.user_id)
        elif isinstance(obj, StatusChange) and obj.application_id is not None:
            applications.add(obj.application_id)
    if users:
        applications |= set(session.connection().scalars(sa.select(Application.id).where(
            Application.applicant_id.in_(users))))
    return applications


def before_flush(session, _context, _instances) -> None:
    """Files about to be deleted (a draft thrown away) lose their counts while their facts are still there."""
    if session.info.get("stats_off"):
        return
    gone = [obj.id for obj in session.deleted if isinstance(obj, Application) and obj.id is not None]
    if not gone:
        return
    connection = session.connection()
    facts = connection.execute(sa.select(ApplicationFact.__table__).where(
        ApplicationFact.application_id.in_(gone))).all()
    by_programme: dict[int, Counter] = {}
    for fact in facts:
        by_programme.setdefault(fact.programme_id, Counter()).subtract(_rows(fact.keys, fact.reached))
    for programme_id, deltas in by_programme.items():
        _upsert(programme_id, deltas)
    connection.execute(sa.delete(ApplicationFact).where(ApplicationFact.application_id.in_(gone)))


def after_flush(session, _context) -> None:
    """The files and profiles this flush wrote are counted again before the transaction goes on."""
    if session.info.get("stats_off"):
        return
    refresh(id_ for id_ in _touched(session) if not _deleted(session, id_))


def _deleted(session, application_id: int) -> bool:
    return any(isinstance(obj, Application) and obj.id == application_id for obj in session.deleted)


def recount(programme_id: int | None = None) -> Counter:
    """Every file counted from scratch, from the files, profiles and status histories (not from the stored
    facts): what funnel_counts must equal. Slow by design; for tests and `rebuild`."""
    where = [Application.programme_id == programme_id] if programme_id else []
    history: dict[int, list[str]] = {}
    for application_id, status in db.session.execute(sa.select(StatusChange.application_id, StatusChange.to_status)
                                                     .join(Application).where(*where)):
        history.setdefault(application_id, []).append(status)
    result = Counter()
    for application, profile in db.session.execute(
            sa.select(Application, ApplicantProfile).outerjoin(
                ApplicantProfile, ApplicantProfile.user_id == Application.applicant_id).where(*where)):
        mask = mask_of(history.get(application.id, []) + [application.status])
        for key, n in _rows(keys_of(application, profile), mask).items():
            result[(application.programme_id, *key)] += n
    return result


def stored(programme_id: int | None = None) -> Counter:
    """What the summary holds: funnel_counts plus the deltas not folded in yet (without folding them)."""
    result = Counter()
    for model, column in ((FunnelCount, FunnelCount.count), (FunnelDelta, FunnelDelta.delta)):
        where = [model.programme_id == programme_id] if programme_id else []
        for *key, n in db.session.execute(sa.select(*[getattr(model, name) for name in _KEY], column).where(*where)):
            key[2] = key[2].isoformat()
            result[tuple(key)] += n
    return Counter({key: n for key, n in result.items() if n})


def rebuild() -> None:
    """Start the summary again from the files (after a bulk import, or to repair)."""
    db.session.execute(sa.delete(FunnelCount))
    db.session.execute(sa.delete(FunnelDelta))
    db.session.execute(sa.delete(ApplicationFact))
    ids = list(db.session.scalars(sa.select(Application.id).order_by(Application.id)))
    for start in range(0, len(ids), 1000):
        refresh(ids[start:start + 1000])
