"""Possible duplicates of a file, in the database: find the other active files of someone born the same day
with a matching name (compared in Python by jisr.workspace.duplicates) or sharing a phone, and store staff's
verdict on a pair. A fixed number of queries whatever the number of candidates; functions flush, never commit.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from jisr.applications.models import CLOSED_STATES, ApplicantProfile, Application, Status
from jisr.audit.services import record
from jisr.auth.models import User
from jisr.authz import application_scope
from jisr.extensions import db
from jisr.timeutil import utcnow
from jisr.workspace.duplicates import PersonNames, names_match
from jisr.workspace.models import DuplicateResolution

#: A file in these states is not "another active file": a draft has not been sent, a closed file is over.
INACTIVE_STATES = (Status.DRAFT, *CLOSED_STATES)


class Reason(enum.StrEnum):
    NAME_AND_BIRTH_DATE = "name_and_birth_date"
    PHONE = "phone"


class Verdict(enum.StrEnum):
    NOT_DUPLICATE = "not_duplicate"  # hidden from then on
    LINKED = "linked"  # the same person: shown as "linked to"


@dataclass(frozen=True)
class Match:
    """Another active file that may be the same person's, and why it was found."""

    application: Application  # the other file (its programme is loaded)
    profile: ApplicantProfile  # the person behind it
    reasons: tuple[Reason, ...]  # empty only for a linked file whose names or phone have changed since
    resolution: DuplicateResolution | None = None  # staff's "linked" verdict on the pair, if any

    @property
    def linked(self) -> bool:
        return self.resolution is not None and self.resolution.verdict == Verdict.LINKED


def person_names(profile: ApplicantProfile) -> PersonNames:
    return PersonNames(profile.first_name_ar, profile.last_name_ar, profile.first_name_latin,
                       profile.last_name_latin)


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def possible_duplicates(application: Application) -> list[Match]:
    """Other applicants' active files (in any programme) that share this applicant's birth date and name,
    or a phone number (of the profile or the account), minus pairs staff found not to be duplicates; pairs
    they linked come back with `linked`. Three queries: the applicant, the pair verdicts, the candidates."""
    user_phone, profile = db.session.execute(
        sa.select(User.phone, ApplicantProfile)
        .outerjoin(ApplicantProfile, ApplicantProfile.user_id == User.id)
        .where(User.id == application.applicant_id)).one()
    phones = {p for p in (user_phone, profile.phone if profile else None) if p}
    birth_date = profile.birth_date if profile else None

    verdicts = {r.second_id if r.first_id == application.id else r.first_id: r
                for r in db.session.scalars(sa.select(DuplicateResolution).where(
                    sa.or_(DuplicateResolution.first_id == application.id,
                           DuplicateResolution.second_id == application.id)))}
    dismissed = [other for other, r in verdicts.items() if r.verdict == Verdict.NOT_DUPLICATE]
    linked = [other for other, r in verdicts.items() if r.verdict == Verdict.LINKED]

    # Each way in uses its own index; the union gives the people, their files are filtered once.
    people = []
    if birth_date is not None:
        people.append(sa.select(ApplicantProfile.user_id).where(ApplicantProfile.birth_date == birth_date))
    if phones:
        people.append(sa.select(ApplicantProfile.user_id).where(ApplicantProfile.phone.in_(phones)))
        people.append(sa.select(User.id).where(User.phone.in_(phones)))
    found = []
    if people:
        found.append(Application.applicant_id.in_(people[0] if len(people) == 1 else sa.union(*people)))
    if linked:  # a link is staff's decision: it stays visible even if the names were corrected since
        found.append(Application.id.in_(linked))
    if not found:
        return []
    rows = db.session.execute(
        sa.select(Application, ApplicantProfile, User.phone)
        .join(ApplicantProfile, ApplicantProfile.user_id == Application.applicant_id)
        .join(User, User.id == Application.applicant_id)
        .where(sa.or_(*found), Application.applicant_id != application.applicant_id,
               Application.status.not_in(INACTIVE_STATES),
               *([Application.id.not_in(dismissed)] if dismissed else []))
        .options(joinedload(Application.programme))
        .order_by(Application.id))

    names = person_names(profile) if profile else None
    matches = []
    for other, other_profile, other_phone in rows:
        reasons = []
        if (birth_date is not None and other_profile.birth_date == birth_date
                and names_match(names, person_names(other_profile))):
            reasons.append(Reason.NAME_AND_BIRTH_DATE)
        if phones & {other_profile.phone, other_phone}:
            reasons.append(Reason.PHONE)
        resolution = verdicts.get(other.id)
        if reasons or resolution is not None:
            matches.append(Match(other, other_profile, tuple(reasons), resolution))
    return matches


def within_scope(matches: list[Match], user: User) -> tuple[list[Match], int]:
    """The matches whose other file `user` may see, and how many others there are. Matching looks at every
    active file, so staff are warned of a look-alike elsewhere; who it is and where stays with those whose
    scope holds that file (one query)."""
    if not matches:
        return [], 0
    seen = set(db.session.scalars(sa.select(Application.id).where(
        Application.id.in_([m.application.id for m in matches]), application_scope(user))))
    shown = [m for m in matches if m.application.id in seen]
    return shown, len(matches) - len(shown)


def resolve(application: Application, other: Application, verdict: Verdict | str, by_user: User,
            note: str | None = None) -> DuplicateResolution:
    """Store staff's verdict on the pair (once per pair, whichever file it is given from; a new verdict
    replaces the old one) and audit it."""
    verdict = Verdict(verdict)  # ValueError on anything else
    if application.id == other.id:
        raise ValueError("a file is not a duplicate of itself")
    first_id, second_id = _pair(application.id, other.id)
    values = dict(verdict=verdict.value, note=note, by_id=by_user.id, at=utcnow())
    query = sa.select(DuplicateResolution).where(DuplicateResolution.first_id == first_id,
                                                 DuplicateResolution.second_id == second_id)
    resolution = db.session.scalar(query)
    if resolution is None:
        try:  # in a savepoint: someone else may be resolving the same pair at this moment
            with db.session.begin_nested():
                resolution = DuplicateResolution(first_id=first_id, second_id=second_id, **values)
                db.session.add(resolution)
        except IntegrityError:
            resolution = db.session.scalar(query)
    for key, value in values.items():
        setattr(resolution, key, value)
    db.session.flush()
    record("duplicate.resolved", application, actor=by_user, other=other.id, verdict=verdict.value)
    return resolution
