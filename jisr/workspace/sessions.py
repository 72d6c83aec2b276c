"""Sessions an incubator convenes applicants to, their convocations, attendance and reminders.
Functions flush, never commit.

Times: staff enter a civil date and time where the programme runs (its `zone`, Africa/Casablanca); the session
stores the UTC instant; the applicant reads it back in the programme's zone, in her language.

Reminders (`flask --app jisr send-reminders`, from cron): a convocation is reminded once, the day before, for a
session starting on the next calendar day in its programme's zone, not cancelled, attendance not yet taken.
Each run claims the convocations it reminds with one UPDATE ... WHERE reminded_at IS NULL RETURNING id, and tells
only those: two runs at once (two servers' crons) never remind the same convocation twice, because on PostgreSQL
the second UPDATE waits for the first transaction's row locks and then finds reminded_at set."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel import dates
from flask import current_app
from flask_babel import force_locale, get_locale, gettext, ngettext
from flask_babel import lazy_gettext as _l

from jisr import bidi
from jisr.applications.models import ApplicantProfile, Application, Status
from jisr.audit.services import record
from jisr.auth.models import Role, User
from jisr.authz import application_scope, may, scoped_applications, session_scope
from jisr.extensions import db
from jisr.i18n import user_locale
from jisr.labels import label
from jisr.numbers import ascii_digits
from jisr.outbox.services import notify
from jisr.timeutil import aware, utcnow
from jisr.workspace.models import Attendance, Convocation, MentoringSession, SessionMode

#: States of a file that may be convened (jisr.workspace.services.STATE_ACTIONS: "convene").
CONVENABLE = (Status.ACCEPTED, Status.IN_MENTORING)
#: No 0/O, 1/I/L: read aloud or typed from paper without a doubt.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
PAGE_SIZE = 20  # sessions per page of the index
PICK_SIZE = 30  # files offered per page when convening
NEEDS = ("sign_language", "accessible_venue", "large_print", "companion")
REMINDER_HORIZON = timedelta(hours=50)  # coarse SQL window; the calendar day is checked in the programme's zone
PLACE_LABELS = {SessionMode.IN_PERSON: _l("Place"), SessionMode.PHONE: _l("Phone number"),
                SessionMode.VIDEO: _l("Video link")}


class SessionError(ValueError):
    """A refused act; the message is shown as is, next to `field` when the form has it."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# -- reading ---------------------------------------------------------------------------------------------

def file_convocations(application: Application) -> list[Convocation]:
    """The file's convocations, newest session first, each with its session (one query)."""
    return list(db.session.scalars(
        sa.select(Convocation).join(MentoringSession, MentoringSession.id == Convocation.session_id)
        .where(Convocation.application_id == application.id)
        .options(sa.orm.contains_eager(Convocation.session))
        .order_by(MentoringSession.starts_at.desc())))


def default_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Africa/Casablanca")


def is_upcoming(session: MentoringSession, now: datetime | None = None) -> bool:
    """Not over yet: it has not ended (a session under way still counts as upcoming)."""
    now = now or utcnow()
    return aware(session.starts_at) + timedelta(minutes=session.duration_minutes) > now


@dataclass
class IndexPage:
    upcoming: list
    past: list
    total: int
    page: int
    pages: int


def index_page(user: User, page: int, now: datetime | None = None, page_size: int = PAGE_SIZE) -> IndexPage:
    """One page of the sessions of the user's scope: those of today and to come first (soonest first), then the
    past ones (latest first), each with its number of convocations and of people present. Three queries
    whatever the number of sessions."""
    now = now or utcnow()
    zone = default_zone()
    today = datetime.combine(now.astimezone(zone).date(), time(0), tzinfo=zone).astimezone(UTC)
    upcoming = MentoringSession.starts_at >= today
    scope = session_scope(user)
    counts = db.session.execute(sa.select(
        sa.func.count(MentoringSession.id),
        sa.func.coalesce(sa.func.sum(sa.case((upcoming, 1), else_=0)), 0)).where(scope)).one()
    total, upcoming_total = int(counts[0]), int(counts[1])
    pages = max((total + page_size - 1) // page_size, 1)
    page = min(max(page, 1), pages)
    start, end = (page - 1) * page_size, page * page_size

    def count_of(*where):
        return (sa.select(sa.func.count(Convocation.id)).where(Convocation.session_id == MentoringSession.id, *where)
                .correlate(MentoringSession).scalar_subquery())

    columns = sa.select(MentoringSession.id, MentoringSession.starts_at, MentoringSession.duration_minutes,
                        MentoringSession.mode, MentoringSession.place, MentoringSession.topic,
                        MentoringSession.cancelled_at, count_of().label("convened"),
                        count_of(Convocation.attendance == Attendance.PRESENT).label("present"),
                        count_of(Convocation.attendance.is_not(None)).label("recorded")).where(scope)
    soon, before = [], []
    if start < upcoming_total:
        soon = db.session.execute(columns.where(upcoming).order_by(MentoringSession.starts_at, MentoringSession.id)
                                  .offset(start).limit(min(end, upcoming_total) - start)).all()
    if end > upcoming_total:
        before = db.session.execute(columns.where(sa.not_(upcoming))
                                    .order_by(MentoringSession.starts_at.desc(), MentoringSession.id.desc())
                                    .offset(max(start - upcoming_total, 0))
                                    .limit(end - max(start, upcoming_total))).all()
    return IndexPage(upcoming=soon, past=before, total=total, page=page, pages=pages)


def _needs_columns():
    return [getattr(ApplicantProfile, f"needs_{need}").label(f"needs_{need}") for need in NEEDS]


def needs_of(row) -> list[str]:
    """The accessibility needs (codes) a row carrying needs_* columns, or a profile, asked for."""
    return [need for need in NEEDS if getattr(row, f"needs_{need}", False)]


def convenable_files(user: User, q: str | None = None, page: int = 1, include: tuple[int, ...] = (),
                     page_size: int = PICK_SIZE) -> tuple[list, int]:
    """Files the user may convene (her scope, accepted or in mentoring), a page at a time, with the names and
    needs of each applicant; the files in `include` (preselected or chosen) come first. Two queries."""
    if not may(user, "accompany"):
        return [], 0
    where = [application_scope(user), Application.status.in_(CONVENABLE)]
    if q:
        like = f"%{q.strip()}%"
        found = sa.or_(Application.reference.ilike(like), ApplicantProfile.first_name_latin.ilike(like),
                       ApplicantProfile.last_name_latin.ilike(like), ApplicantProfile.first_name_ar.like(like),
                       ApplicantProfile.last_name_ar.like(like))
        where.append(sa.or_(found, Application.id.in_(include)) if include else found)
    base = sa.select(Application.id).outerjoin(ApplicantProfile, ApplicantProfile.user_id == Application.applicant_id)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(base.where(*where).subquery()))
    chosen = sa.case((Application.id.in_(include), 0), else_=1) if include else sa.literal(1)
    rows = db.session.execute(
        sa.select(Application.id, Application.reference, Application.status, ApplicantProfile.first_name_ar,
                  ApplicantProfile.last_name_ar, ApplicantProfile.first_name_latin, ApplicantProfile.last_name_latin,
                  *_needs_columns())
        .outerjoin(ApplicantProfile, ApplicantProfile.user_id == Application.applicant_id)
        .where(*where).order_by(chosen, Application.reference, Application.id)
        .offset((max(page, 1) - 1) * page_size).limit(page_size)).all()
    return rows, total


def session_convocations(session: MentoringSession, user: User) -> list:
    """The convocations of the session whose file the user may see, each with the applicant's names and needs
    (one query): (convocation, reference, names..., needs_*)."""
    return list(db.session.execute(
        sa.select(Convocation, Application.reference, Application.mentor_id, ApplicantProfile.first_name_ar,
                  ApplicantProfile.last_name_ar, ApplicantProfile.first_name_latin, ApplicantProfile.last_name_latin,
                  *_needs_columns())
        .join(Application, Application.id == Convocation.application_id)
        .outerjoin(ApplicantProfile, ApplicantProfile.user_id == Application.applicant_id)
        .where(Convocation.session_id == session.id, application_scope(user))
        .order_by(ApplicantProfile.last_name_latin, Convocation.id)).all())


def session_zone(session: MentoringSession) -> ZoneInfo:
    """The zone the session is read in: its files' programme's (one query), the app's default otherwise."""
    from jisr.programmes.models import Programme

    name = db.session.scalar(sa.select(Programme.timezone).join(Application, Application.programme_id == Programme.id)
                             .join(Convocation, Convocation.application_id == Application.id)
                             .where(Convocation.session_id == session.id).limit(1))
    return ZoneInfo(name) if name else default_zone()


def convocation_context(application: Application, convocation: Convocation, now: datetime | None = None) -> dict:
    """What her convocation shows, for its page and its PDF alike (a fixed number of queries)."""
    from jisr.incubators.models import Incubator

    session = convocation.session
    profile = db.session.scalar(sa.select(ApplicantProfile).where(ApplicantProfile.user_id == application.applicant_id))
    return dict(application=application, convocation=convocation, session=session, profile=profile,
                incubator=db.session.get(Incubator, session.incubator_id),
                when=times(session.starts_at, application.programme.zone, session.duration_minutes),
                place_label=PLACE_LABELS.get(session.mode, PLACE_LABELS[SessionMode.IN_PERSON]),
                upcoming=is_upcoming(session, now))

def may_manage(user: User, session: MentoringSession) -> bool:
    """Cancel the session: a manager of its incubator, or the staff member who convened it."""
    if Role(user.role) is Role.ADMIN:
        return True
    if Role(user.role) is Role.INCUBATOR_MANAGER:
        return user.incubator_id == session.incubator_id
    return session.created_by_id == user.id


# -- times in the programme's zone, in the reader's language -----------------------------------------------

def local_start(day: date, at: time, zone: ZoneInfo) -> datetime:
    """A civil date and time where the programme runs, as an aware UTC instant."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def times(value: datetime, zone: ZoneInfo, duration_minutes: int | None = None) -> dict[str, str]:
    """How a session's time reads in the current locale, in `zone`, to the minute and without an offset:
    day ("lundi 23 novembre 2026"), start ("10:00"), end, and both together ("lundi 23 novembre 2026 à 10:00")."""
    locale = get_locale()
    local = aware(value).astimezone(zone)

    def hour(moment: datetime) -> str:
        return dates.format_time(moment, "short", tzinfo=zone, locale=locale)

    day = dates.format_date(local.date(), "full", locale=locale)
    found = dict(day=day, start=hour(local), full=dates.get_datetime_format("long", locale=locale).format(
        hour(local), day), iso=aware(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    if duration_minutes:
        found["end"] = hour(local + timedelta(minutes=duration_minutes))
        found["duration"] = ngettext("%(num)d minute", "%(num)d minutes", duration_minutes)
    return found


# -- convening -------------------------------------------------------------------------------------------

def new_check_in_codes(count: int) -> list[str]:
    """`count` fresh codes, none already used (one query per round; a clash is one chance in 10^11)."""
    codes: set[str] = set()
    while len(codes) < count:
        wanted = {"".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
                  for _ in range(count - len(codes))}
        taken = set(db.session.scalars(sa.select(Convocation.check_in_code)
                                       .where(Convocation.check_in_code.in_(wanted))))
        codes |= wanted - taken
    return list(codes)[:count]


def normalise_code(typed: str | None) -> str:
    """What staff type, as stored: capitals, without the spaces or dashes people add when reading it out."""
    return "".join(ch for ch in ascii_digits(typed or "").upper() if ch.isalnum())


def convene(by: User, application_ids: list[int], day: date, at: time, duration_minutes: int, mode: str,
            place: str, topic: str, bring: str = "", arrangements: dict[int, str] | None = None,
            now: datetime | None = None) -> MentoringSession:
    """A session and one convocation per file, each with its check-in code; every applicant is told. The files
    must be the user's to accompany and in a state that allows it; an applicant who asked for accessibility
    arrangements gets a word on what was arranged for her."""
    now = now or utcnow()
    ids = list(dict.fromkeys(application_ids))
    if not ids:
        raise SessionError(gettext("Choose at least one applicant to convene."), "files")
    files = list(db.session.scalars(
        scoped_applications(by).where(Application.id.in_(ids), Application.status.in_(CONVENABLE))
        .options(sa.orm.joinedload(Application.programme), sa.orm.joinedload(Application.applicant))))
    if not may(by, "accompany") or len(files) != len(ids):
        raise SessionError(gettext("One of the chosen files cannot be convened (it is not yours to accompany, or "
                                   "its state does not allow it). Choose again."), "files")
    if len({f.incubator_id for f in files}) != 1 or files[0].incubator_id is None:
        raise SessionError(gettext("Convene files of one incubator at a time."), "files")
    zones = {f.programme.timezone for f in files}
    if len(zones) != 1:
        raise SessionError(gettext("These files belong to programmes in different time zones: convene them "
                                   "separately."), "files")
    if mode not in set(SessionMode):
        raise SessionError(gettext("Choose how the session takes place."), "mode")
    starts_at = local_start(day, at, ZoneInfo(zones.pop()))
    if starts_at <= now:
        raise SessionError(gettext("This date and time have already passed: choose a time to come."), "day")
    arrangements = {key: (value or "").strip() for key, value in (arrangements or {}).items()}
    profiles = {p.user_id: p for p in db.session.scalars(
        sa.select(ApplicantProfile).where(ApplicantProfile.user_id.in_([f.applicant_id for f in files])))}
    for application in files:
        needs = needs_of(profiles.get(application.applicant_id))
        if needs and not arrangements.get(application.id):
            raise SessionError(gettext("Say what you have arranged for her: she asked for %(needs)s.",
                                       needs=gettext(", ").join(label("need", n) for n in needs)),
                               f"arrangements_{application.id}")
    session = MentoringSession(incubator_id=files[0].incubator_id, starts_at=starts_at,
                               duration_minutes=duration_minutes, mode=mode, place=place.strip(),
                               topic=topic.strip(), bring=(bring or "").strip(), created_by_id=by.id)
    db.session.add(session)
    for application, code in zip(files, new_check_in_codes(len(files)), strict=True):
        session.convocations.append(Convocation(application_id=application.id, check_in_code=code, sent_at=now,
                                                arrangements=arrangements.get(application.id, "")))
    db.session.flush()
    record("session.created", session, starts_at=starts_at.isoformat(), mode=mode,
           files=[f.id for f in files], references=[f.reference for f in files])
    by_id = {f.id: f for f in files}
    for convocation in session.convocations:
        _notify_convened(convocation, session, by_id[convocation.application_id])
    return session


# -- at the session --------------------------------------------------------------------------------------

def _file_zone(convocation: Convocation) -> tuple[Application, ZoneInfo]:
    application = db.session.get(Application, convocation.application_id)
    return application, application.programme.zone


def record_attendance(convocation: Convocation, by: User, attendance: str, now: datetime | None = None,
                      by_code: bool = False) -> Convocation:
    """Present, absent or excused, with who recorded it and when. Excused may be said ahead (she called to
    say she cannot come); present and absent only from the day of the session."""
    now = now or utcnow()
    if attendance not in set(Attendance):
        raise SessionError(gettext("Choose present, absent or excused."), "attendance")
    session = convocation.session
    if session.cancelled_at is not None:
        raise SessionError(gettext("This session has been cancelled."))
    application, zone = _file_zone(convocation)
    if not may(by, "accompany", application):
        raise SessionError(gettext("This file is not yours to accompany."))
    if attendance != Attendance.EXCUSED and now.astimezone(zone).date() < aware(session.starts_at).astimezone(
            zone).date():
        raise SessionError(gettext("Presence and absence are recorded from the day of the session; before it, "
                                   "only “excused”."), "attendance")
    previous = convocation.attendance
    convocation.attendance, convocation.attendance_at, convocation.attendance_by_id = attendance, now, by.id
    convocation.checked_in_by_code = by_code
    record("convocation.attendance", convocation, attendance=attendance, previous=previous, by_code=by_code,
           session=session.id, reference=application.reference)
    db.session.flush()
    return convocation


def check_in(session: MentoringSession, by: User, typed: str, now: datetime | None = None) -> tuple[Convocation, bool]:
    """The code printed on her convocation, typed at the door: she is present. Returns (convocation, new),
    new False when she had already checked in. A code of another session, or unknown, is refused alike."""
    code = normalise_code(typed)
    if not code:
        raise SessionError(gettext("Type the code printed on her convocation."), "code")
    found = db.session.scalar(sa.select(Convocation).join(Application, Application.id == Convocation.application_id)
                              .where(Convocation.check_in_code == code, Convocation.session_id == session.id,
                                     application_scope(by)))
    if found is None:
        raise SessionError(gettext("No convocation to this session has this code. Check the code on her "
                                   "convocation and type it again."), "code")
    if found.attendance == Attendance.PRESENT:
        return found, False
    return record_attendance(found, by, Attendance.PRESENT, now, by_code=True), True


def save_notes(convocation: Convocation, by: User, duration_minutes: int | None, topics: str | None,
               notes: str | None, next_steps: str | None) -> Convocation:
    """What the session was for her file: time spent, topics, notes and next steps (the audit names the
    fields changed, not what they say)."""
    application, _zone = _file_zone(convocation)
    if not may(by, "accompany", application):
        raise SessionError(gettext("This file is not yours to accompany."))
    values = dict(duration_minutes=duration_minutes, topics=(topics or "").strip() or None,
                  notes=(notes or "").strip() or None, next_steps=(next_steps or "").strip() or None)
    changed = [name for name, value in values.items() if getattr(convocation, name) != value]
    for name, value in values.items():
        setattr(convocation, name, value)
    record("convocation.notes", convocation, changed=changed, session=convocation.session_id,
           reference=application.reference)
    db.session.flush()
    return convocation


def cancel(session: MentoringSession, by: User, message: str | None = None,
           now: datetime | None = None) -> None:
    """Cancel a session that has not started; every applicant convened is told (with `message`, if any)."""
    now = now or utcnow()
    if not may_manage(by, session):
        raise SessionError(gettext("Only the incubator's manager or the person who convened the session may "
                                   "cancel it."))
    if session.cancelled_at is not None:
        raise SessionError(gettext("This session is already cancelled."))
    if aware(session.starts_at) <= now:
        raise SessionError(gettext("This session has already started: record the attendance instead."))
    session.cancelled_at = now
    record("session.cancelled", session, convened=len(session.convocations))
    files = _files_of(session.convocations)
    for convocation in session.convocations:
        _notify_cancelled(convocation, session, files[convocation.application_id], (message or "").strip())
    db.session.flush()


# -- reminders -------------------------------------------------------------------------------------------

def due_reminders(now: datetime | None = None) -> list[int]:
    """Convocations to remind now: the session starts on the next calendar day in its programme's zone, is not
    cancelled, the attendance is not taken, and no reminder has gone (one query)."""
    from jisr.programmes.models import Programme

    now = now or utcnow()
    rows = db.session.execute(
        sa.select(Convocation.id, MentoringSession.starts_at, Programme.timezone)
        .join(MentoringSession, MentoringSession.id == Convocation.session_id)
        .join(Application, Application.id == Convocation.application_id)
        .join(Programme, Programme.id == Application.programme_id)
        .where(Convocation.reminded_at.is_(None), Convocation.attendance.is_(None),
               MentoringSession.cancelled_at.is_(None), MentoringSession.starts_at > now,
               MentoringSession.starts_at < now + REMINDER_HORIZON)
        .order_by(Convocation.id)).all()
    due = []
    for convocation_id, starts_at, zone_name in rows:
        zone = ZoneInfo(zone_name)
        if aware(starts_at).astimezone(zone).date() == now.astimezone(zone).date() + timedelta(days=1):
            due.append(convocation_id)
    return due


def remind(convocation_ids: list[int], now: datetime | None = None) -> int:
    """Claim the convocations still unreminded among `convocation_ids` (one UPDATE ... RETURNING) and remind
    only those; returns how many. The caller commits."""
    now = now or utcnow()
    if not convocation_ids:
        return 0
    claimed = list(db.session.scalars(
        sa.update(Convocation).where(Convocation.id.in_(convocation_ids), Convocation.reminded_at.is_(None))
        .values(reminded_at=now).returning(Convocation.id), execution_options={"synchronize_session": False}))
    if not claimed:
        return 0
    convocations = list(db.session.scalars(sa.select(Convocation).where(Convocation.id.in_(claimed))
                                           .options(sa.orm.joinedload(Convocation.session))))
    files = _files_of(convocations)
    for convocation in convocations:
        _notify_reminder(convocation, convocation.session, files[convocation.application_id])
    db.session.flush()
    return len(claimed)


def _files_of(convocations) -> dict[int, Application]:
    ids = {c.application_id for c in convocations}
    return {a.id: a for a in db.session.scalars(
        sa.select(Application).where(Application.id.in_(ids))
        .options(sa.orm.joinedload(Application.applicant), sa.orm.joinedload(Application.programme)))}


# -- what she is told (in her language, through the outbox; see jisr/workspace/notices.py) ----------------

def _isolated(session: MentoringSession) -> str:
    """The place as plain text: a phone number or a link reads left to right even inside Arabic; an address, in
    either script, in its own direction."""
    return (bidi.isolate_auto if session.mode == SessionMode.IN_PERSON else bidi.isolate)(session.place)


def _incubator_name(session: MentoringSession) -> str:
    from jisr.incubators.models import Incubator

    incubator = db.session.get(Incubator, session.incubator_id)
    return incubator.name if incubator is not None else ""


def _send(application: Application, subject: str, lines: list[str], sms: str) -> None:
    applicant = application.applicant
    body = "\n\n".join([gettext("Hello %(name)s,", name=applicant.full_name), *lines,
                        gettext("You can follow your file on the Jisr website.")])
    notify(applicant, subject, body, sms, application=application)


def _sms(text: str, extra: str = "") -> str:
    """An SMS and, when there is one, the one detail she needs most (what to bring, why it is cancelled)."""
    return f"{text} {extra}" if extra else text


def _details(convocation: Convocation, session: MentoringSession, application: Application) -> tuple[dict, list]:
    when = times(session.starts_at, application.programme.zone, session.duration_minutes)
    # Isolated for the Arabic text: the dates and times in their own direction (written with the month's
    # Arabic name: bidi.isolate_auto), the code and the reference left to right.
    own = bidi.isolate_auto
    values = dict(when=own(when["full"]), day=own(when["day"]), start=own(when["start"]), end=own(when["end"]),
                  duration=when["duration"], topic=session.topic, place=_isolated(session),
                  place_label=str(PLACE_LABELS.get(session.mode, PLACE_LABELS[SessionMode.IN_PERSON])),
                  mode=label("session_mode", session.mode), code=bidi.isolate(convocation.check_in_code),
                  incubator=_incubator_name(session), reference=bidi.isolate(application.reference))
    lines = [gettext("Topic: %(topic)s", **values),
             gettext("Date: %(day)s, from %(start)s to %(end)s (%(duration)s)", **values),
             gettext("How: %(mode)s", **values),
             gettext("%(place_label)s: %(place)s", **values)]
    if session.bring:
        lines.append(gettext("What to bring: %(bring)s", bring=session.bring))
    if convocation.arrangements:
        lines.append(gettext("Arranged for you: %(arrangements)s", arrangements=convocation.arrangements))
    lines.append(gettext("Your check-in code: %(code)s. Show it when you arrive.", **values))
    return values, lines


def _notify_convened(convocation: Convocation, session: MentoringSession, application: Application) -> None:
    with force_locale(user_locale(application.applicant)):
        values, lines = _details(convocation, session, application)
        _send(application, gettext("Jisr: you are invited to a session on %(day)s", **values),
              [gettext("The association %(incubator)s invites you to a session.", **values), *lines,
               gettext("You can see, print or download your convocation on your page of the Jisr website.")],
              # i18n: an SMS. Keep it short (70 characters in Arabic script per SMS part).
              _sms(gettext("Jisr: session on %(when)s, %(place)s. Your code: %(code)s", **values),
                   gettext("Bring: %(bring)s", bring=session.bring) if session.bring else ""))


def _notify_reminder(convocation: Convocation, session: MentoringSession, application: Application) -> None:
    with force_locale(user_locale(application.applicant)):
        values, lines = _details(convocation, session, application)
        _send(application, gettext("Jisr: reminder of your session tomorrow, %(day)s", **values),
              [gettext("A reminder: the association %(incubator)s expects you tomorrow.", **values), *lines],
              # i18n: an SMS. Keep it short (70 characters in Arabic script per SMS part).
              gettext("Jisr reminder: session tomorrow %(when)s, %(place)s. Code: %(code)s", **values))


def _notify_cancelled(convocation: Convocation, session: MentoringSession, application: Application,
                      message: str) -> None:
    with force_locale(user_locale(application.applicant)):
        values, _lines = _details(convocation, session, application)
        lines = [gettext("The association %(incubator)s has cancelled the session of %(when)s (%(topic)s).",
                         **values)]
        if message:
            lines.append(message)
        lines.append(gettext("It will invite you again."))
        _send(application, gettext("Jisr: the session of %(day)s is cancelled", **values), lines,
              # i18n: an SMS. Keep it short (70 characters in Arabic script per SMS part).
              _sms(gettext("Jisr: the session of %(when)s is cancelled. You will be invited again.", **values),
                   message))
