"""The steps of the application, in order, with what makes each one complete (derived, not stored)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from jisr.extensions import db


@dataclass(frozen=True)
class Facts:
    """What completeness needs, loaded once per page (two queries), not once per step."""

    application: object
    profile: object | None
    document_kinds: set[str]

    @classmethod
    def load(cls, application) -> Facts:
        from jisr.applications.models import ApplicantProfile
        from jisr.documents.models import Document

        profile = db.session.scalar(
            sa.select(ApplicantProfile).where(ApplicantProfile.user_id == application.applicant_id)
        )
        kinds = set(db.session.scalars(sa.select(Document.kind).where(Document.application_id == application.id)))
        return cls(application, profile, kinds)


@dataclass(frozen=True)
class Step:
    name: str
    title: object
    endpoint: str
    is_complete: Callable[[Facts], bool]


def _identity_done(f: Facts) -> bool:
    p = f.profile
    return bool(p and p.national_id and p.birth_date and p.sex and p.province_id and p.first_name_ar
                and p.last_name_ar and p.first_name_latin and p.last_name_latin)


def _situation_done(f: Facts) -> bool:
    p = f.profile
    return bool(p and p.education_level and p.family_situation and p.disability_type)


def _project_done(f: Facts) -> bool:
    a = f.application
    done = bool(a.project_title and a.sector_id and a.project_stage and a.carrier)
    return done and (a.carrier != "group" or len(a.members) >= 2)


def _needs_done(f: Facts) -> bool:
    return bool(f.application.needs_saved)


def _documents_done(f: Facts) -> bool:
    needs_card = bool(f.profile and f.profile.has_disability)
    return "id_card" in f.document_kinds and (not needs_card or "disability_card" in f.document_kinds)


STEPS: list[Step] = [
    Step("identity", _l("Identity"), "applications.identity", _identity_done),
    Step("situation", _l("Situation and disability"), "applications.situation", _situation_done),
    Step("project", _l("Project"), "applications.project", _project_done),
    Step("needs", _l("Needs and training"), "applications.needs", _needs_done),
    Step("documents", _l("Documents"), "documents.step", _documents_done),
]
REVIEW = Step("review", _l("Review and send"), "applications.review", lambda f: False)


def step_states(application) -> list[tuple[Step, bool]]:
    facts = Facts.load(application)
    return [(step, step.is_complete(facts)) for step in STEPS]


def incomplete_steps(application) -> list[Step]:
    return [step for step, done in step_states(application) if not done]


def next_step(application, after: str | None = None) -> Step:
    """The step after `after`, or the first incomplete one; the review when all are complete."""
    names = [s.name for s in STEPS]
    if after in names:
        index = names.index(after) + 1
        return STEPS[index] if index < len(STEPS) else REVIEW
    missing = incomplete_steps(application)
    return missing[0] if missing else REVIEW
