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
        "representative": _l("Association representative"),
        "incubator_manager": _l("Incubator manager"),
        "mentor": _l("Mentor"),
        "coordinator": _l("Coordinator"),
        "admin": _l("Administrator"),
    },
    "need": {
        "sign_language": _l("Sign language interpretation"),
        "accessible_venue": _l("An accessible venue (step-free access and toilets)"),
        "large_print": _l("Documents in large print"),
        "companion": _l("Being accompanied by a companion"),
    },
    "call_state": {"upcoming": _l("Not open yet"), "open": _l("Open"), "closed": _l("Closed")},
    "association_status": {
        "draft": _l("Draft"),
        "submitted": _l("Submitted"),
        "selected": _l("Selected"),
        "declined": _l("Not selected"),
    },
    "association_document_kind": {
        "statutes": _l("Statutes of the association"),
        "legal_receipt": _l("Receipt of the legal filing"),
        "activity_report": _l("Last activity report"),
    },
    "review_state": {
        "assigned": _l("To score"),
        "conflict": _l("Conflict of interest declared"),
        "submitted": _l("Scores sent"),
    },
    # Why an association was selected or declined: shown to it in its language, with the admin's note.
    "select_reason": {
        "ranked_high": _l("Among the best-ranked associations of the call"),
        "covers_underserved_area": _l("Covers provinces where too few incubators work"),
        "accessibility": _l("Accessible premises and services for persons with disabilities"),
        "other": _l("Another reason, explained in the note"),
    },
    "decline_reason": {
        "score_below_threshold": _l("The score is below what the call requires"),
        "places_filled": _l("The places of the call went to better-ranked associations"),
        "documents_incomplete": _l("Documents are missing or not valid"),
        "outside_call_area": _l("The association does not work in the provinces of the call"),
        "capacity_insufficient": _l("The capacity is too small for the needs of the call"),
        "other": _l("Another reason, explained in the note"),
    },
    # Routing: why an incubator was left out for a file, and why a file waits.
    "routing_exclusion": {
        "inactive": _l("Not active"),
        "outside_province": _l("Does not cover the province"),
        "needs_not_met": _l("Cannot meet the accessibility needs as well as another one can"),
        "sector_mismatch": _l("Does not work in the sector of the project"),
        "full": _l("No place left"),
    },
    "waitlist_reason": {
        "no_incubator_in_province": _l("No incubator accompanies applicants in this province yet."),
        "no_incubator_for_sector": _l("No incubator of the province works in the sector of the project."),
        "all_full": _l("Every incubator that suits the file has no place left for now."),
    },
    "routing_trigger": {
        "eligible": _l("File found eligible"),
        "override": _l("Eligibility decision changed"),
        "place_freed": _l("A place became free"),
        "capacity": _l("An incubator changed its capacity or provinces"),
        "new_incubator": _l("A new incubator was selected"),
        "manual": _l("Re-routed by hand"),
    },
    # -- the incubator's workspace --
    "session_mode": {"in_person": _l("In person"), "phone": _l("By phone"), "video": _l("By video call")},
    "attendance": {"present": _l("Present"), "absent": _l("Absent"), "excused": _l("Excused")},
    "stage_outcome": {"completed": _l("Completed"), "reverted": _l("Moved back"), "closed": _l("Closed")},
    "queue_sort": {
        "waiting": _l("Waiting longest first"),
        "newest": _l("Most recent first"),
        "reference": _l("By reference"),
        "name": _l("By name"),
    },
    "legal_form": {
        "auto_entrepreneur": _l("Auto-entrepreneur"),
        "individual_company": _l("Sole proprietorship"),
        "sarl": _l("Limited company (SARL / SARL AU)"),
        "cooperative": _l("Cooperative"),
        "association": _l("Association"),
        "informal": _l("Not registered yet"),
    },
    "financing_decision": {"approved": _l("Approved"), "refused": _l("Refused"), "deferred": _l("Deferred")},
    "financing_source": {
        "honour_loan": _l("Honour loan"),
        "grant": _l("Grant"),
        "bank_credit": _l("Bank credit"),
        "microcredit": _l("Microcredit"),
        "own_funds": _l("Own funds"),
        "other": _l("Other source"),
    },
    "revenue_band": {
        "none": _l("No revenue yet"),
        "lt_2000": _l("Less than 2,000 DH a month"),
        "2000_5000": _l("2,000 to 5,000 DH a month"),
        "5000_10000": _l("5,000 to 10,000 DH a month"),
        "gt_10000": _l("More than 10,000 DH a month"),
    },
    "outbox_state": {"pending": _l("Waiting to be sent"), "sent": _l("Sent"), "logged": _l("Written to the log"),
                     "failed": _l("Not delivered")},
    "channel": {"email": _l("E-mail"), "sms": _l("SMS")},
    "export_state": {"queued": _l("Waiting to be prepared"), "running": _l("Being prepared"),
                     "ready": _l("Ready"), "failed": _l("Failed")},
    "language": {"ar": _l("Arabic"), "fr": _l("French")},
    "funnel_stage": {
        "registered": _l("Files started"), "submitted": _l("Sent"), "eligible": _l("Eligible"),
        "routed": _l("Routed to an incubator"), "accepted": _l("Accepted"), "in_mentoring": _l("In mentoring"),
        "completed": _l("Project launched"), "dropped_out": _l("Dropped out"),
    },
    "dimension": {
        "sector": _l("Sector"), "disability": _l("Disability"), "age_band": _l("Age"),
        "situation": _l("Difficult situation"), "carrier": _l("Individual or group"),
    },
    "age_band": {"under_25": _l("Under 25"), "25_34": _l("25 to 34"), "35_44": _l("35 to 44"),
                 "45_plus": _l("45 and over"), "unknown": _l("Not known")},
    "situation": {"widow": _l("Widowhood"), "divorced": _l("Divorce"), "single_mother": _l("Single mother"),
                  "head_of_household": _l("Head of household"), "none": _l("None of these")},
    "duplicate_reason": {"name_and_birth_date": _l("Same name and date of birth"), "phone": _l("Same phone number")},
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


def label_items(kind: str) -> list[tuple[str, str]]:
    """(code, label) of a kind, in the table's order, in the reader's language."""
    return [(code, str(text)) for code, text in LABELS[kind].items()]


def choices(kind: str, blank=None) -> list[SelectChoice]:
    items = [SelectChoice(code, text) for code, text in LABELS[kind].items()]
    return ([SelectChoice("", blank)] if blank is not None else []) + items
