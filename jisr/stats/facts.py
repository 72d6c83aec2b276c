"""What each file counts as in the dashboards, and the summary kept equal to it as files move.

A file's *facts* are the funnel stages it has reached (cumulative: a file that withdrew after being accepted
still reached "accepted") and the breakdowns it falls in (province, month started, sector, disability, age band,
difficult situations, individual or group). Each flush notes the files it touched (or whose applicant's profile
it touched); just before the transaction commits, those files' facts are computed again, once however many
flushes touched them (a submission flushes about five times), and, when they changed, their old rows of
`funnel_counts` lose one and their new rows gain one, in the same transaction: the summary equals a recount at
every commit
(tests/test_stats_summary.py proves it with random histories). Statements that bypass the ORM (bulk UPDATEs of
applications) bypass this too: call `refresh(ids)` after them, or `rebuild()`.

A file routed to an incubator also adds to that incubator's *measures* (`measures_of`), kept on the rows of the
"incubator" dimension as sums beside the stages, so its record is read like any breakdown:

- **days to first contact**: from the file's latest routing to this incubator (its last change to "assigned") to
  the first step its staff then took in the workspace: starting the review, rejecting it or putting it on the
  incubator's own waiting list (CONTACT_STATES; only incubator staff, or an admin acting for them, can). That is
  the first moment the data shows the incubator acting on the file; nothing records a phone call. An information
  request (asked while under review) and a convocation (once accepted) always come later, so the first of all
  these is that first change of state. Kept as `contacted` (files) and `contact_s` (seconds, summed); the mean
  leaves out files still waiting for a first contact.
- **mentoring stages reached**: `stage:<id>` of each MentoringStage the file entered (StageEntry), even if it
  moved back since, as the funnel keeps the stages a file reached. Ids, not codes, so a renamed code keeps its
  counts.
- **jobs created**: `jobs`, the outcome's jobs for women plus jobs for men.
- **financing obtained**: `financed` (files) and `financing_cts` (the amount, in centimes). The truth is the
  file's Outcome (financing_obtained and financing_amount), not the commissions' FinancingDecisions: an approval
  is a decision, not money received (it may be deferred, corrected or never paid out), a file may go before
  several commissions (refused, then approved: the decisions do not add up), and financing may come from a
  bank or a source no commission of the programme saw, which only the outcome records. Staff keep the outcome
  up to date as the project evolves (versioned, every revision kept), so it is what the project holds today.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from jisr.applications.models import ApplicantProfile, Application, Status, StatusChange
from jisr.extensions import db
from jisr.timeutil import aware
from jisr.workspace.models import Outcome, StageEntry

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
#: The states a file routed to an incubator goes to when the incubator's staff first act on it (the others out of
#: "assigned" are not theirs: routed again, back to the routing waitlist, found ineligible, withdrawn by her).
CONTACT_STATES = frozenset({Status.UNDER_REVIEW, Status.INFO_REQUESTED, Status.REJECTED, Status.WAITLISTED,
                            Status.ACCEPTED, Status.IN_MENTORING, Status.COMPLETED, Status.DROPPED_OUT})
#: What an incubator's rows add up beside the stages (each a sum over its files); plus STAGE_MEASURE + a stage id.
MEASURES = ("contacted", "contact_s", "jobs", "financed", "financing_cts")
STAGE_MEASURE = "stage:"
#: Only a file that reached mentoring has stage entries or an outcome (they are recorded in mentoring and after).
_ACCOMPANIED = _BIT["in_mentoring"] | _BIT["completed"] | _BIT["dropped_out"]
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


def measures_of(incubator_id: int | None, history: Iterable[tuple[str, datetime]], stage_ids: Iterable[int],
                outcome) -> dict[str, int]:
    """What the file adds to its incubator's measures (see the module docstring); nothing without an incubator.
    `history`: its status changes in order, as (to_status, at); `stage_ids`: the stages it entered; `outcome`:
    anything with the Outcome's jobs and financing attributes, or None. Zero sums are left out."""
    if incubator_id is None:
        return {}
    result: dict[str, int] = {}
    assigned = contact = None
    for status, at in history:
        if status == Status.ASSIGNED:
            assigned, contact = at, None  # routed (again): the clock starts again for this incubator
        elif assigned is not None and contact is None and status in CONTACT_STATES:
            contact = at
    if contact is not None:
        result["contacted"] = 1
        seconds = int((aware(contact) - aware(assigned)).total_seconds())
        if seconds > 0:
            result["contact_s"] = seconds
    for stage_id in set(stage_ids):
        result[f"{STAGE_MEASURE}{stage_id}"] = 1
    if outcome is not None:
        jobs = (outcome.jobs_women or 0) + (outcome.jobs_men or 0)
        if jobs:
            result["jobs"] = jobs
        if outcome.financing_obtained:
            result["financed"] = 1
            if outcome.financing_amount:
                result["financing_cts"] = int((Decimal(str(outcome.financing_amount)) * 100)
                                              .to_integral_value(ROUND_HALF_UP))
    return result


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
    count_pending()
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


def _rows(keys: list[list], mask: int, measures: dict | None = None) -> Counter:
    """The summary rows a file adds to: one per key and stage reached; its measures on its incubator's keys."""
    rows = Counter({(k[0], k[1], k[2], k[3], stage): 1 for k in keys for stage in stages_of(mask)})
    for k in keys if measures else ():
        if k[2] == "incubator":
            for name, n in measures.items():
                rows[(k[0], k[1], k[2], k[3], name)] += n
    return rows


def _measure_inputs(connection, ids: list[int]) -> tuple[dict[int, set[int]], dict[int, object]]:
    """The stages each file entered and its outcome (two queries)."""
    stages: dict[int, set[int]] = defaultdict(set)
    outcomes: dict[int, object] = {}
    if ids:
        for application_id, stage_id in connection.execute(
                sa.select(StageEntry.application_id, StageEntry.stage_id).where(StageEntry.application_id.in_(ids))):
            stages[application_id].add(stage_id)
        outcomes = {row.application_id: row for row in connection.execute(
            sa.select(Outcome.application_id, Outcome.jobs_women, Outcome.jobs_men, Outcome.financing_obtained,
                      Outcome.financing_amount).where(Outcome.application_id.in_(ids)))}
    return stages, outcomes


def refresh(application_ids) -> None:
    """Count these files again (their facts, then the difference in funnel_counts): four queries (six when one of
    them reached mentoring: its stages and outcome), a write of each changed file's facts, and one statement for
    the summary rows. The stages come from the whole status history each time, so two moves within one flush
    (accepted, then withdrawn) both count."""
    ids = sorted(set(application_ids))
    if not ids:
        return
    connection = db.session.connection()
    found = connection.execute(sa.select(Application.__table__).where(Application.id.in_(ids))).all()
    profiles = {p.user_id: p for p in connection.execute(sa.select(ApplicantProfile.__table__).where(
        ApplicantProfile.user_id.in_({row.applicant_id for row in found})))} if found else {}
    history: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
    for application_id, status, at in connection.execute(
            sa.select(StatusChange.application_id, StatusChange.to_status, StatusChange.at)
            .where(StatusChange.application_id.in_(ids)).order_by(StatusChange.id)):
        history[application_id].append((status, at))
    masks = {row.id: mask_of([status for status, _at in history[row.id]] + [row.status]) for row in found}
    stages, outcomes = _measure_inputs(connection, [row.id for row in found if row.incubator_id is not None
                                                    and masks[row.id] & _ACCOMPANIED])
    old = {f.application_id: f for f in connection.execute(
        sa.select(ApplicationFact.__table__).where(ApplicationFact.application_id.in_(ids)))}
    by_programme: dict[int, Counter] = {}
    for row in found:
        before = old.get(row.id)
        keys = keys_of(row, profiles.get(row.applicant_id))
        mask = masks[row.id]
        measures = measures_of(row.incubator_id, history[row.id], stages[row.id], outcomes.get(row.id))
        if before is not None and before.keys == keys and before.reached == mask and before.measures == measures:
            continue
        delta = by_programme.setdefault(row.programme_id, Counter())
        delta.update(_rows(keys, mask, measures))
        if before is not None:
            delta.subtract(_rows(before.keys, before.reached, before.measures))
            connection.execute(sa.update(ApplicationFact).where(ApplicationFact.application_id == row.id)
                               .values(keys=keys, reached=mask, measures=measures))
        else:
            connection.execute(sa.insert(ApplicationFact).values(application_id=row.id, keys=keys, reached=mask,
                                                                 measures=measures, programme_id=row.programme_id))
    for programme_id, deltas in by_programme.items():
        _upsert(programme_id, deltas)


def _touched(session) -> set[int]:
    applications, users = set(), set()
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Application) and obj.id is not None:
            applications.add(obj.id)
        elif isinstance(obj, ApplicantProfile) and obj.user_id is not None:
            users.add(obj.user_id)
        elif isinstance(obj, (StatusChange, StageEntry, Outcome)) and obj.application_id is not None:
            applications.add(obj.application_id)
    for obj in session.deleted:  # a stage entry or an outcome removed changes its file's measures
        if isinstance(obj, (StageEntry, Outcome)) and obj.application_id is not None:
            applications.add(obj.application_id)
    if users:
        applications |= set(session.connection().scalars(sa.select(Application.id).where(
            Application.applicant_id.in_(users))))
    return applications


_PENDING = "jisr.stats.pending"


def before_flush(session, _context, _instances) -> None:
    """Files about to be deleted (a draft thrown away) lose their counts while their facts are still there."""
    if session.info.get("stats_off"):
        return
    gone = [obj.id for obj in session.deleted if isinstance(obj, Application) and obj.id is not None]
    if not gone:
        return
    session.info.get(_PENDING, set()).difference_update(gone)
    connection = session.connection()
    facts = connection.execute(sa.select(ApplicationFact.__table__).where(
        ApplicationFact.application_id.in_(gone))).all()
    by_programme: dict[int, Counter] = {}
    for fact in facts:
        by_programme.setdefault(fact.programme_id, Counter()).subtract(_rows(fact.keys, fact.reached, fact.measures))
    for programme_id, deltas in by_programme.items():
        _upsert(programme_id, deltas)
    connection.execute(sa.delete(ApplicationFact).where(ApplicationFact.application_id.in_(gone)))


def after_flush(session, _context) -> None:
    """Note the files this flush wrote (counted again before commit: `count_pending`)."""
    if session.info.get("stats_off"):
        return
    touched = {id_ for id_ in _touched(session) if not _deleted(session, id_)}
    if touched:
        session.info.setdefault(_PENDING, set()).update(touched)


def count_pending(session=None) -> None:
    """Count again the files flushed since the last count, in the current transaction: before every commit
    (the session's before_commit hook), and before reading the summary in the same transaction."""
    session = session or db.session
    session.flush()  # what is still unflushed is pending too (a commit flushes after before_commit)
    if session.info.get(_PENDING):
        refresh(session.info.pop(_PENDING))


def before_commit(session) -> None:
    if not session.info.get("stats_off"):
        count_pending(session)


def after_transaction_end(session, transaction) -> None:
    """A transaction rolled back forgets what it noted (committed ones were counted by before_commit)."""
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


def _deleted(session, application_id: int) -> bool:
    return any(isinstance(obj, Application) and obj.id == application_id for obj in session.deleted)


def recount(programme_id: int | None = None) -> Counter:
    """Every file counted from scratch, from the files, profiles, status histories, stage entries and outcomes
    (not from the stored facts, and without refresh's shortcut of reading stages and outcomes only for files that
    reached mentoring): what funnel_counts must equal. Slow by design; for tests."""
    where = [Application.programme_id == programme_id] if programme_id else []
    history: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
    for application_id, status, at in db.session.execute(
            sa.select(StatusChange.application_id, StatusChange.to_status, StatusChange.at).join(Application)
            .where(*where).order_by(StatusChange.id)):
        history[application_id].append((status, at))
    stages: dict[int, set[int]] = defaultdict(set)
    for application_id, stage_id in db.session.execute(
            sa.select(StageEntry.application_id, StageEntry.stage_id).join(Application).where(*where)):
        stages[application_id].add(stage_id)
    outcomes = {row.application_id: row for row in db.session.execute(
        sa.select(Outcome.application_id, Outcome.jobs_women, Outcome.jobs_men, Outcome.financing_obtained,
                  Outcome.financing_amount).join(Application, Application.id == Outcome.application_id).where(*where))}
    result = Counter()
    for application, profile in db.session.execute(
            sa.select(Application, ApplicantProfile).outerjoin(
                ApplicantProfile, ApplicantProfile.user_id == Application.applicant_id).where(*where)):
        mask = mask_of([status for status, _at in history[application.id]] + [application.status])
        measures = measures_of(application.incubator_id, history[application.id], stages[application.id],
                               outcomes.get(application.id))
        for key, n in _rows(keys_of(application, profile), mask, measures).items():
            result[(application.programme_id, *key)] += n
    return result


def stored(programme_id: int | None = None) -> Counter:
    """What the summary holds: funnel_counts plus the deltas not folded in yet (without folding them)."""
    count_pending()
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
