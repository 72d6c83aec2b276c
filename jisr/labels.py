"""Human labels for coded values, in one table so forms, pages and exports agree."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice

LABELS: dict[str, dict[str, object]] = {
    "status": {
        "draft": _l("Draft"),
        "submitted": _l("Submitted"),
        "eligible": _l("Eligible"),
        "ineligible": _l("Not eligible"),
        "assigned": _l("Assigned to an incubator"),
        "under_review": _l("Under review"),
        "info_requested": _l("Information requested"),
        "accepted": _l("Accepted"),
        "waitlisted": _l("On the waiting list"),
        "rejected": _l("Not accepted"),
        "in_mentoring": _l("In mentoring"),
        "completed": _l("Completed"),
        "dropped_out": _l("Dropped out"),
        "withdrawn": _l("Withdrawn"),
    },
    "sex": {"female": _l("Woman"), "male": _l("Man")},
    "education_level": {
        "none": _l("No schooling"),
        "primary": _l("Primary school"),
        "secondary": _l("Secondary school"),
        "baccalaureate": _l("Baccalaureate"),
        "vocational": _l("Vocational training"),
        "higher": _l("Higher education"),
    },
    "family_situation": {
        "single": _l("Single"),
        "married": _l("Married"),
        "divorced": _l("Divorced"),
        "widowed": _l("Widowed"),
    },
    "disability_type": {
        "none": _l("No disability"),
        "motor": _l("Motor disability"),
        "visual": _l("Visual disability"),
        "hearing": _l("Hearing disability"),
        "speech": _l("Speech disability"),
        "intellectual": _l("Intellectual disability"),
        "psychosocial": _l("Psychosocial disability"),
        "multiple": _l("Multiple disabilities"),
    },
    "project_stage": {
        "idea": _l("An idea"),
        "informal": _l("An informal activity"),
        "formal": _l("A formal (registered) activity"),
    },
    "carrier": {
        "individual": _l("Alone, as an individual"),
        "auto_entrepreneur": _l("As an auto-entrepreneur"),
        "group": _l("As a cooperative or productive group"),
    },
    "document_kind": {
        "id_card": _l("National identity card (CNIE)"),
        "disability_card": _l("Disability card"),
        "project_summary": _l("Project summary"),
        "photo": _l("Photo of the activity or products"),
    },
    "role": {
        "applicant": _l("Applicant"),
        "agent": _l("Field agent"),
        "incubator_manager": _l("Incubator manager"),
        "mentor": _l("Mentor"),
        "coordinator": _l("Coordinator"),
        "admin": _l("Administrator"),
    },
    "consent_method": {
        "online": _l("Given online by the applicant"),
        "read_aloud": _l("Read aloud by an agent"),
        "signed_paper": _l("Signed on paper"),
    },
}


def label(kind: str, code: str | None) -> str:
    if code is None:
        return ""
    return str(LABELS.get(kind, {}).get(code, code))


def choices(kind: str, blank=None) -> list[SelectChoice]:
    items = [SelectChoice(code, text) for code, text in LABELS[kind].items()]
    return ([SelectChoice("", blank)] if blank is not None else []) + items
