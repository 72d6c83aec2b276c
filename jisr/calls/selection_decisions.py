"""The decision on an association's application: selecting it makes it an incubator run by its representative,
in the same transaction; declining it closes it. Either way it is told why, in its representative's language."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

import sqlalchemy as sa
from flask_babel import force_locale, gettext

from jisr.audit.services import record
from jisr.auth.models import Role, User
from jisr.calls.models import AssociationApplication, AssociationStatus
from jisr.calls.selection import SelectionError, locked
from jisr.extensions import db
from jisr.i18n import user_locale
from jisr.incubators.models import Incubator
from jisr.labels import LABELS, label
from jisr.outbox.services import notify
from jisr.routing.models import Trigger
from jisr.timeutil import aware, utcnow

CODE_LENGTH = 60  # Incubator.code


def may_decide(association: AssociationApplication, now: datetime | None = None) -> bool:
    return association.status == AssociationStatus.SUBMITTED and call_closed(association, now)


def call_closed(association: AssociationApplication, now: datetime | None = None) -> bool:
    return (now or utcnow()) >= aware(association.call.closes_at)


def _check(association: AssociationApplication, kind: str, reason: str, note: str | None,
           now: datetime | None) -> AssociationApplication:
    association = locked(AssociationApplication, association.id)
    if association.status != AssociationStatus.SUBMITTED:
        raise SelectionError(gettext("A decision has already been taken on this association.")
                             if association.status in (AssociationStatus.SELECTED, AssociationStatus.DECLINED)
                             else gettext("Only a sent application can be decided."))
    if not call_closed(association, now):
        raise SelectionError(gettext("The call is still open: the decision can be taken once it closes."))
    if reason not in LABELS[kind]:
        raise SelectionError(gettext("Choose a reason."))
    if reason == "other" and not (note or "").strip():
        raise SelectionError(gettext("Explain the reason in the note: it is shown to the association."))
    return association


def select(association: AssociationApplication, reason: str, note: str | None, by: User,
           now: datetime | None = None) -> Incubator:
    """Select the association: its incubator is created from its application, its representative becomes the
    manager, and the waitlisted files of the provinces it covers are routed again (all in this transaction)."""
    from jisr.routing import services as routing  # routing imports much; only selecting needs it

    association = _check(association, "select_reason", reason, note, now)
    representative = locked(User, association.representative_id)
    if representative.incubator_id is not None or representative.role == Role.INCUBATOR_MANAGER:
        raise SelectionError(gettext("%(name)s already manages another incubator: an account manages one "
                                     "incubator only.", name=representative.full_name))
    if representative.role != Role.REPRESENTATIVE:
        raise SelectionError(gettext("The account that sent this application is not an association "
                                     "representative's account any more."))
    incubator = Incubator(
        code=incubator_code(association), name_ar=association.legal_name_ar or association.legal_name_fr or "",
        name_fr=association.legal_name_fr or association.legal_name_ar or "", address=association.address or "",
        phone=association.phone, email=association.email, province_id=association.province_id,
        generalist=association.generalist, capacity=association.capacity or 0,
        step_free_access=association.step_free_access, accessible_toilets=association.accessible_toilets,
        sign_language=association.sign_language, active=True)
    incubator.provinces = list(association.provinces)
    incubator.sectors = list(association.sectors)
    db.session.add(incubator)
    db.session.flush()
    _decided(association, AssociationStatus.SELECTED, reason, note, by)
    association.incubator_id = incubator.id
    representative.role = Role.INCUBATOR_MANAGER
    representative.incubator_id = incubator.id
    representative.end_sessions()  # she signs in again as the incubator's manager
    db.session.flush()
    record("association.selected", association, actor=by, reason=reason, note=note, incubator_id=incubator.id)
    record("incubator.created", incubator, actor=by, association_application_id=association.id)
    record("user.role_changed", representative, actor=by, role=str(Role.INCUBATOR_MANAGER),
           incubator_id=incubator.id)
    routing.incubator_changed(incubator, Trigger.NEW_INCUBATOR)
    _tell(association)
    return incubator


def decline(association: AssociationApplication, reason: str, note: str | None, by: User,
            now: datetime | None = None) -> None:
    association = _check(association, "decline_reason", reason, note, now)
    _decided(association, AssociationStatus.DECLINED, reason, note, by)
    db.session.flush()
    record("association.declined", association, actor=by, reason=reason, note=note)
    _tell(association)


def _decided(association: AssociationApplication, status: str, reason: str, note: str | None, by: User) -> None:
    association.status = status
    association.decision_reason = reason
    association.decision_note = (note or "").strip() or None
    association.decided_at = utcnow()
    association.decided_by_id = by.id


def reason_kind(association: AssociationApplication) -> str:
    """The label kind of its decision's reason: what the association reads next to its decision."""
    return "select_reason" if association.status == AssociationStatus.SELECTED else "decline_reason"


# -- the incubator's code -----------------------------------------------------------------------------------

def slug(text: str | None) -> str:
    """'Association Aït Baâmrane – Tinghir' -> 'association-ait-baamrane-tinghir'."""
    text = (text or "").replace("œ", "oe").replace("Œ", "Oe").replace("æ", "ae").replace("Æ", "Ae")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def incubator_code(association: AssociationApplication) -> str:
    """A unique code from the French legal name; a number is added when another incubator has it."""
    base = slug(association.legal_name_fr)[: CODE_LENGTH - 6].strip("-") or f"association-{association.id}"
    taken = set(db.session.scalars(sa.select(Incubator.code).where(
        sa.or_(Incubator.code == base, Incubator.code.like(f"{base}-%")))))
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


# -- telling the association ----------------------------------------------------------------------------

def _tell(association: AssociationApplication) -> None:
    """The decision, its reason and the note, written in the representative's language."""
    representative = association.representative
    with force_locale(user_locale(representative)):
        values = dict(association=association.name, call=association.call.title,
                      reason=label(reason_kind(association), association.decision_reason))
        lines = [gettext("Hello %(name)s,", name=representative.full_name)]
        if association.status == AssociationStatus.SELECTED:
            subject = gettext("Jisr: %(association)s has been selected", **values)
            lines.append(gettext("%(association)s has been selected as a social incubator of the Jisr programme, "
                                 "after the call “%(call)s”.", **values))
            closing = gettext("Your Jisr account now manages the incubator: sign in to check its public details "
                              "and invite its mentors. Applicants of the provinces it covers will be sent to it.")
            # i18n: an SMS. Keep it short (70 characters in Arabic script per SMS part).
            sms = gettext("Jisr: %(association)s has been selected as an incubator. Sign in to manage it.", **values)
        else:
            subject = gettext("Jisr: decision on the application of %(association)s", **values)
            lines.append(gettext("%(association)s has not been selected after the call “%(call)s”.", **values))
            closing = gettext("Thank you for your interest. You can read this decision on the Jisr website and "
                              "answer the next calls.")
            # i18n: an SMS. Keep it short (70 characters in Arabic script per SMS part).
            sms = gettext("Jisr: %(association)s has not been selected. Reason: %(reason)s", **values)
        lines.append(gettext("Reason: %(reason)s", **values))
        if association.decision_note:
            lines.append(gettext("Note: %(note)s", note=association.decision_note))
        lines.append(closing)
        notify(representative, subject, "\n\n".join(lines), sms)
