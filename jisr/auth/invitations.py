"""Invitations to staff accounts: a mentor invited by her incubator's manager, or any staff role invited by an
admin with its scope (an incubator for its manager and mentors, provinces for agents and coordinators). The
inviter names the person and her phone or e-mail; a single-use code, stored hashed, goes to her through the
outbox in her language; the account exists only once she uses the code, with the role and scope the invitation
fixed. Functions flush, never commit.

A code works once: it is spent by a conditional UPDATE, so two requests with the same right code cannot both
open an account, and a used, revoked or expired invitation never opens one again."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import url_for
from flask_babel import force_locale, gettext, ngettext
from flask_babel import lazy_gettext as _l

from jisr.audit.services import record
from jisr.auth.hashing import hash_secret, verify_secret
from jisr.auth.models import Invitation, Role, User
from jisr.auth.services import (
    MAX_CODE_ATTEMPTS,
    AccountError,
    InvalidCode,
    contact_taken,
    normalise_identifier,
    register,
)
from jisr.bidi import isolate
from jisr.extensions import db
from jisr.i18n import user_locale
from jisr.outbox.models import Channel
from jisr.outbox.services import enqueue
from jisr.timeutil import aware, utcnow

INVITATION_DAYS = 7
_DUMMY_HASH: list[str] = []


def _open(now: datetime):
    """Invitations whose code may still be used."""
    return sa.and_(Invitation.used_at.is_(None), Invitation.revoked_at.is_(None), Invitation.expires_at > now)


def expired(invitation: Invitation, now: datetime | None = None) -> bool:
    return aware(invitation.expires_at) <= (now or utcnow())


# -- the manager's side ----------------------------------------------------------------------------------

def pending(incubator_id: int) -> list[tuple[Invitation, bool]]:
    """The incubator's invitations neither used nor revoked, newest first, each with whether it expired."""
    now = utcnow()
    invitations = db.session.scalars(
        sa.select(Invitation).where(Invitation.incubator_id == incubator_id, Invitation.used_at.is_(None),
                                    Invitation.revoked_at.is_(None))
        .order_by(Invitation.created_at.desc(), Invitation.id.desc()))
    return [(invitation, expired(invitation, now)) for invitation in invitations]


def invitation_of(incubator_id: int, invitation_id: int) -> Invitation | None:
    """An invitation of this incubator (None for another incubator's: its manager never reaches it)."""
    return db.session.scalar(sa.select(Invitation).where(Invitation.id == invitation_id,
                                                         Invitation.incubator_id == incubator_id))


def invite_mentor(incubator, by: User, full_name: str, phone: str | None, email: str | None,
                  language: str) -> Invitation:
    """A manager invites a mentor of her incubator."""
    return invite(by, Role.MENTOR, full_name, phone, email, language, incubator=incubator)


def invite(by: User, role: Role, full_name: str, phone: str | None, email: str | None, language: str,
           incubator=None, provinces=()) -> Invitation:
    """Invite someone to a staff account of `role`, scoped to `incubator` or `provinces` (the caller checked
    that the scope suits the role). Contacts must be normalised already (the form does it). Refused when an
    account already uses the phone or e-mail, or when an invitation to it is still waiting."""
    phone, email = phone or None, email or None
    taken = contact_taken(phone, email)
    if taken is not None:
        raise AccountError(_l("An account already uses this phone number or e-mail address: this person "
                              "cannot be invited."), field=taken.field)
    now = utcnow()
    waiting = [Invitation.phone == phone] if phone else []
    waiting += [Invitation.email == email] if email else []
    if db.session.scalar(sa.select(Invitation.id).where(sa.or_(*waiting), _open(now)).limit(1)) is not None:
        raise AccountError(_l("An invitation to this phone number or e-mail address is already waiting to be "
                              "used. Revoke it first to send a new one."), field="phone" if phone else "email")
    code = f"{secrets.randbelow(10**6):06d}"
    invitation = Invitation(role=role, incubator_id=incubator.id if incubator else None, full_name=full_name,
                            phone=phone, email=email, locale=language, code_hash=hash_secret(code),
                            invited_by_id=by.id, created_at=now, expires_at=now + timedelta(days=INVITATION_DAYS))
    invitation.provinces = list(provinces)
    db.session.add(invitation)
    db.session.flush()
    _send(invitation, incubator, by, code)
    record("auth.invitation_sent", invitation, actor=by, role=str(role),
           incubator_id=incubator.id if incubator else None, provinces=sorted(p.id for p in invitation.provinces),
           channel="phone" if phone else "email")
    return invitation


def _send(invitation: Invitation, incubator, by: User, code: str) -> None:
    """The code in the invitee's language: by SMS to her phone, by e-mail to her address (both when both). A
    manager's invitation names her incubator; an admin's names the role."""
    from jisr.labels import label

    language = invitation.locale or "ar"
    with force_locale(user_locale(invitation)):
        url = url_for("invitations.accept", lang=language, _external=True)
        by_manager = invitation.role == Role.MENTOR and incubator is not None and by.role != Role.ADMIN
        # The code and the link isolated: they read left to right inside the Arabic text.
        values = dict(incubator=incubator.name if incubator else "", code=isolate(code), url=isolate(url),
                      role=label("role", invitation.role))
        if invitation.phone:
            # i18n: an SMS. Keep it short (70 characters in Arabic script per SMS part) with the code filled in.
            if by_manager:
                body = ngettext("Jisr: %(incubator)s invites you as a mentor. Code %(code)s, valid %(num)d day, on "
                                "%(url)s",
                                "Jisr: %(incubator)s invites you as a mentor. Code %(code)s, valid %(num)d days, on "
                                "%(url)s", INVITATION_DAYS, **values)
            else:
                # i18n: an SMS, as short as the one above; %(role)s is the role's name (Field agent, Mentor...).
                body = ngettext("Jisr: you are invited as %(role)s. Code %(code)s, valid %(num)d day, on %(url)s",
                                "Jisr: you are invited as %(role)s. Code %(code)s, valid %(num)d days, on %(url)s",
                                INVITATION_DAYS, **values)
            enqueue(Channel.SMS, invitation.phone, "", body, language)
        if invitation.email:
            if by_manager:
                subject = gettext("%(incubator)s invites you to Jisr", incubator=values["incubator"])
                why = gettext("%(manager)s invites you to join %(incubator)s on Jisr as a mentor: you will accompany "
                              "the women and persons with disabilities whose projects the association follows.",
                              manager=by.full_name, incubator=values["incubator"])
            else:
                subject = gettext("You are invited to Jisr")
                why = gettext("%(admin)s invites you to Jisr, the programme for women project holders and persons "
                              "with disabilities, with the role: %(role)s.", admin=by.full_name, role=values["role"])
            body = "\n\n".join([
                gettext("Hello %(name)s,", name=invitation.full_name),
                why,
                gettext("To open your account, go to %(url)s, type this e-mail address and this code: %(code)s, "
                        "then choose your password.", url=values["url"], code=values["code"]),
                ngettext("The code is valid for %(num)d day and can be used only once.",
                         "The code is valid for %(num)d days and can be used only once.", INVITATION_DAYS),
                gettext("If you do not know this association, ignore this message: no account is opened. "
                        "Never give this code to anyone.") if by_manager else
                gettext("If you were not expecting this invitation, ignore this message: no account is opened. "
                        "Never give this code to anyone."),
            ])
            enqueue(Channel.EMAIL, invitation.email, subject, body, language)


def revoke(invitation: Invitation, by: User) -> None:
    """The code stops working at once; the person can be invited again."""
    now = utcnow()
    revoked = db.session.execute(
        sa.update(Invitation).where(Invitation.id == invitation.id, Invitation.used_at.is_(None),
                                    Invitation.revoked_at.is_(None))
        .values(revoked_at=now).execution_options(synchronize_session=False)).rowcount
    if not revoked:
        raise AccountError(_l("This invitation has already been used or revoked."))
    invitation.revoked_at = now
    record("auth.invitation_revoked", invitation, actor=by)


# -- the invitee's side ----------------------------------------------------------------------------------

def check_code(identifier: str, code: str) -> Invitation:
    """The invitation waiting for this phone or e-mail whose code this is, when attempts are left. (Normally
    one waits per contact; two incubators inviting her at the same moment may leave two, and either code works.)

    Every check counts as an attempt, by one conditional UPDATE so that parallel guesses cannot exceed the
    limit. Raises InvalidCode, the same error whatever went wrong; the caller commits after a wrong code,
    so the attempt counts even though the request fails."""
    try:
        kind, key = normalise_identifier(identifier)
    except AccountError:
        raise InvalidCode() from None
    column = Invitation.email if kind == "email" else Invitation.phone
    waiting = list(db.session.scalars(sa.select(Invitation).where(column == key, _open(utcnow()))
                                      .order_by(Invitation.created_at.desc(), Invitation.id.desc()).limit(3)))
    if not waiting:
        # Spend the time of a real check, so the delay does not tell whether an invitation exists.
        if not _DUMMY_HASH:
            _DUMMY_HASH.append(hash_secret(secrets.token_hex(8)))
        verify_secret(_DUMMY_HASH[0], code)
        raise InvalidCode()
    counted = set(db.session.scalars(
        sa.update(Invitation)
        .where(Invitation.id.in_([i.id for i in waiting]), Invitation.attempts < MAX_CODE_ATTEMPTS)
        .values(attempts=Invitation.attempts + 1)
        .returning(Invitation.id)
        .execution_options(synchronize_session=False)))
    for invitation in waiting:
        if invitation.id in counted and verify_secret(invitation.code_hash, code):
            return invitation
    raise InvalidCode()


def accept(invitation: Invitation, password: str) -> User:
    """Open the account the invitation fixed (role, incubator, language) with her own password, and spend
    the code. The password rules were checked by the caller. Raises InvalidCode when another request spent,
    revoked or outlived the code first, AccountError when her contact got an account meanwhile."""
    now = utcnow()
    spent = db.session.execute(
        sa.update(Invitation).where(Invitation.id == invitation.id, _open(now))
        .values(used_at=now).execution_options(synchronize_session=False)).rowcount
    if not spent:
        raise InvalidCode()
    # The same account opening as everyone's (contact check, race on the unique contact, audit), with the
    # role, incubator and language the invitation fixed.
    user = register(invitation.full_name, password, phone=invitation.phone, email=invitation.email,
                    locale=invitation.locale, role=Role(invitation.role))
    user.incubator_id = invitation.incubator_id
    user.provinces = list(invitation.provinces)
    invitation.used_at = now
    invitation.user_id = user.id
    # Another invitation to the same contact (sent by another incubator at the same moment) can open nothing
    # now: it stops waiting, so no manager keeps a stale line.
    same_contact = [Invitation.phone == invitation.phone] if invitation.phone else []
    same_contact += [Invitation.email == invitation.email] if invitation.email else []
    db.session.execute(
        sa.update(Invitation).where(Invitation.id != invitation.id, sa.or_(*same_contact),
                                    Invitation.used_at.is_(None), Invitation.revoked_at.is_(None))
        .values(revoked_at=now).execution_options(synchronize_session=False))
    record("auth.register", user, actor=user, channel="phone" if user.phone else "email", invited=True,
           role=str(user.role))
    record("auth.invitation_accepted", invitation, actor=user, user_id=user.id, incubator_id=user.incubator_id)
    return user
