"""The workspace's queue: the files of a manager's incubator or of a mentor, filtered, searched, sorted and
paginated in a fixed number of queries (the counts, one page of rows, the counts per state), whatever the
page size or the number of files. Every filter is a column of an index that starts with the scope's column
(incubator_id or mentor_id), so the database reads only the scope's part of the index."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from jisr.applications.models import ApplicantProfile, Application
from jisr.applications.national_id import normalise as normalise_national_id
from jisr.auth.models import User
from jisr.authz import application_scope
from jisr.extensions import db
from jisr.geo.models import Province, Sector
from jisr.workspace.models import MentoringStage
from jisr.workspace.services import WORKSPACE_STATES

PAGE_SIZE = 25
NEED_COLUMNS = {
    "sign_language": ApplicantProfile.needs_sign_language,
    "accessible_venue": ApplicantProfile.needs_accessible_venue,
    "large_print": ApplicantProfile.needs_large_print,
    "companion": ApplicantProfile.needs_companion,
}


@dataclass
class Filters:
    q: str | None = None
    status: str | None = None
    province: int | None = None
    sector: int | None = None
    disability: str | None = None  # "any", "none" or a type
    need: str | None = None
    stage: str | None = None  # a stage code (stages are per programme; codes are shared)
    waiting: int | None = None  # at least this many days in its current state
    sort: str = "waiting"


def _scope(user: User):
    return sa.and_(application_scope(user), Application.status.in_(WORKSPACE_STATES))


def _where(user: User, f: Filters, now: datetime) -> list:
    where = [_scope(user)]
    if f.status:
        where.append(Application.status == f.status)
    if f.province:
        where.append(Application.province_id == f.province)
    if f.sector:
        where.append(Application.sector_id == f.sector)
    if f.stage:
        where.append(Application.current_stage_id.in_(sa.select(MentoringStage.id)
                                                      .where(MentoringStage.code == f.stage)))
    if f.waiting:
        where.append(Application.status_changed_at <= now - timedelta(days=f.waiting))
    if f.disability == "any":
        where.append(sa.and_(ApplicantProfile.disability_type.is_not(None), ApplicantProfile.disability_type != "none"))
    elif f.disability == "none":
        where.append(sa.or_(ApplicantProfile.disability_type.is_(None), ApplicantProfile.disability_type == "none"))
    elif f.disability:
        where.append(ApplicantProfile.disability_type == f.disability)
    if f.need in NEED_COLUMNS:
        where.append(NEED_COLUMNS[f.need].is_(True))
    if f.q:
        text = f.q.replace("%", "").replace("_", "").strip()
        pattern = f"%{text}%"
        where.append(sa.or_(
            Application.reference.ilike(pattern), Application.national_id.like(f"{normalise_national_id(text)}%"),
            ApplicantProfile.first_name_latin.ilike(pattern), ApplicantProfile.last_name_latin.ilike(pattern),
            ApplicantProfile.first_name_ar.like(pattern), ApplicantProfile.last_name_ar.like(pattern),
            (ApplicantProfile.first_name_latin + " " + ApplicantProfile.last_name_latin).ilike(pattern),
            (ApplicantProfile.first_name_ar + " " + ApplicantProfile.last_name_ar).like(pattern)))
    return where


_SORTS = {
    "waiting": (Application.status_changed_at.asc(), Application.id.asc()),
    "newest": (Application.submitted_at.desc(), Application.id.desc()),
    "reference": (Application.reference.asc(),),
    "name": (ApplicantProfile.last_name_latin.asc(), ApplicantProfile.first_name_latin.asc(), Application.id.asc()),
}


def _needs_profile(f: Filters) -> bool:
    return bool(f.q or f.disability or f.need or f.sort == "name")


def rows(user: User, f: Filters, page: int, now: datetime, page_size: int = PAGE_SIZE) -> tuple[list, int]:
    """One page of the queue and the number of files matching (two queries). The page's ids are chosen first,
    from applications alone (its scope's index) unless a filter or the sort reads her profile; only those ids
    are then joined to the names of places, stages and mentors, so the joins cost a page, not the scope."""
    where = _where(user, f, now)
    order = _SORTS.get(f.sort, _SORTS["waiting"])

    def matching(*columns):
        query = sa.select(*columns).select_from(Application)
        if _needs_profile(f):
            query = query.outerjoin(ApplicantProfile, ApplicantProfile.user_id == Application.applicant_id)
        return query.where(*where)

    total = db.session.scalar(matching(sa.func.count(Application.id)))
    page_ids = matching(Application.id).order_by(*order).limit(page_size).offset((page - 1) * page_size)
    mentor = aliased(User)
    result = db.session.execute(
        sa.select(Application.id, Application.reference, Application.status, Application.status_changed_at,
                  Application.submitted_at, Application.version,
                  ApplicantProfile.first_name_ar, ApplicantProfile.last_name_ar, ApplicantProfile.first_name_latin,
                  ApplicantProfile.last_name_latin, ApplicantProfile.disability_type,
                  *[column.label(f"needs_{name}") for name, column in NEED_COLUMNS.items()],
                  Province.name_ar.label("province_ar"), Province.name_fr.label("province_fr"),
                  Sector.name_ar.label("sector_ar"), Sector.name_fr.label("sector_fr"),
                  MentoringStage.name_ar.label("stage_ar"), MentoringStage.name_fr.label("stage_fr"),
                  mentor.full_name.label("mentor_name"))
        .outerjoin(ApplicantProfile, ApplicantProfile.user_id == Application.applicant_id)
        .outerjoin(Province, Province.id == Application.province_id)
        .outerjoin(Sector, Sector.id == Application.sector_id)
        .outerjoin(MentoringStage, MentoringStage.id == Application.current_stage_id)
        .outerjoin(mentor, mentor.id == Application.mentor_id)
        .where(Application.id.in_(page_ids.scalar_subquery()))
        .order_by(*order)).all()
    return result, total


def state_counts(user: User) -> dict[str, int]:
    """Files of the scope per state (one query), for the counts above the queue."""
    return dict(db.session.execute(sa.select(Application.status, sa.func.count()).where(_scope(user))
                                   .group_by(Application.status)).all())


def scope_stage_codes(user: User) -> list[tuple[str, str, str]]:
    """(code, Arabic, French) of the stages of the programmes with files in the scope, in pipeline order."""
    programmes = sa.select(Application.programme_id).where(_scope(user)).distinct()
    found = db.session.execute(sa.select(MentoringStage.code, MentoringStage.name_ar, MentoringStage.name_fr,
                                         MentoringStage.position)
                               .where(MentoringStage.programme_id.in_(programmes))
                               .order_by(MentoringStage.position)).all()
    seen, stages = set(), []
    for row in found:
        if row.code not in seen:
            seen.add(row.code)
            stages.append((row.code, row.name_ar, row.name_fr))
    return stages
