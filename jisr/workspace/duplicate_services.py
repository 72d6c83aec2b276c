"""Possible duplicates of a file, found in the database and compared with the pure matcher
(jisr/workspace/duplicates.py): same birth date and a name matching across scripts, or the same phone.
A fixed number of queries whatever the number of candidates. Functions flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from jisr.applications.models import CLOSED_STATES, ApplicantProfile, Application, Status
from jisr.audit.services import record
from jisr.auth.models import User
from jisr.extensions import db
from jisr.workspace.duplicates import PersonNames, names_match
from jisr.workspace.models import DuplicateResolution


@dataclass
class Match:
    application: Application
    profile: ApplicantProfile
    reasons: list[str] = field(default_factory=list)
    linked: bool = False


def _names(profile: ApplicantProfile) -> PersonNames:
    return PersonNames(profile.first_name_ar, profile.last_name_ar, profile.first_name_latin, profile.last_name_latin)


def possible_duplicates(application: Application) -> list[Match]:
    profile = db.session.scalar(sa.select(ApplicantProfile).where(ApplicantProfile.user_id == application.applicant_id))
    if profile is None:
        return []
    phones = {p for p in (profile.phone, application.applicant.phone) if p}
    same = []
    if profile.birth_date is not None:
        same.append(ApplicantProfile.birth_date == profile.birth_date)
    if phones:
        same += [ApplicantProfile.phone.in_(phones), User.phone.in_(phones)]
    if not same:
        return []
    rows = db.session.execute(
        sa.select(Application, ApplicantProfile, User.phone)
        .join(ApplicantProfile, ApplicantProfile.user_id == Application.applicant_id)
        .join(User, User.id == Application.applicant_id)
        .where(Application.applicant_id != application.applicant_id, Application.status != Status.DRAFT,
               Application.status.not_in(CLOSED_STATES), sa.or_(*same))
        .order_by(Application.id).limit(50)).all()
    ids = [row[0].id for row in rows]
    verdicts = {}
    if ids:
        for resolution in db.session.scalars(sa.select(DuplicateResolution).where(sa.or_(
                sa.and_(DuplicateResolution.first_id == application.id, DuplicateResolution.second_id.in_(ids)),
                sa.and_(DuplicateResolution.second_id == application.id, DuplicateResolution.first_id.in_(ids))))):
            other = resolution.second_id if resolution.first_id == application.id else resolution.first_id
            verdicts[other] = resolution.verdict
    mine, matches = _names(profile), []
    for other, other_profile, user_phone in rows:
        reasons = []
        if profile.birth_date is not None and other_profile.birth_date == profile.birth_date \
                and names_match(mine, _names(other_profile)):
            reasons.append("name_and_birth_date")
        if phones & {p for p in (other_profile.phone, user_phone) if p}:
            reasons.append("phone")
        if reasons and verdicts.get(other.id) != "not_duplicate":
            matches.append(Match(other, other_profile, reasons, verdicts.get(other.id) == "linked"))
    return matches


def resolve(application: Application, other: Application, verdict: str, by_user: User,
            note: str | None = None) -> DuplicateResolution:
    first, second = sorted((application.id, other.id))
    resolution = db.session.scalar(sa.select(DuplicateResolution).where(DuplicateResolution.first_id == first,
                                                                        DuplicateResolution.second_id == second))
    if resolution is None:
        resolution = DuplicateResolution(first_id=first, second_id=second)
        db.session.add(resolution)
    resolution.verdict, resolution.note, resolution.by_id = verdict, note, by_user.id
    db.session.flush()
    record("duplicate.resolved", application, actor=by_user, other=other.id, verdict=verdict)
    return resolution
