"""The consent text a programme's applicants agree to, its versions, and asking again when it changes.

A programme without a published text uses the built-in one (applications/_consent_text.html, translated by the
catalogues, version BUILT_IN_VERSION). Publishing a new version marks every applicant with a sent file of the
programme (`users.consent_due`, one UPDATE), and her next page asks her to agree to it; the flag is checked
again from the consents themselves at each sign-in, so a file sent while a version was being published is not
missed. What she agreed to stays provable: each consent names its version, and every version is kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale

from jisr.applications.models import Application, Consent, Status
from jisr.audit.services import record
from jisr.auth.models import Role, User
from jisr.extensions import db
from jisr.i18n import available_languages

from .models import ConsentText, Programme

#: The version of the built-in text; kept so consents given before any published version stay named.
BUILT_IN_VERSION = "2026-1"


@dataclass(frozen=True)
class Current:
    """The text to agree to now: `text` is None for the built-in one."""

    version: str
    text: ConsentText | None


def latest(programme_id: int) -> ConsentText | None:
    return db.session.scalar(sa.select(ConsentText).where(ConsentText.programme_id == programme_id)
                             .order_by(ConsentText.id.desc()).limit(1))


def current(programme: Programme) -> Current:
    text = latest(programme.id)
    return Current(text.version if text else BUILT_IN_VERSION, text)


def versions(programme: Programme) -> list[ConsentText]:
    return list(db.session.scalars(sa.select(ConsentText).where(ConsentText.programme_id == programme.id)
                                   .order_by(ConsentText.id.desc())))


def built_in_text(language: str) -> str:
    """The built-in text as plain paragraphs in a language: the start of a first published version."""
    with force_locale(language):
        html = render_template("applications/_consent_text.html")
    return "\n\n".join(part.split(">", 1)[1].strip() for part in html.split("</p>") if ">" in part)


def next_version(programme: Programme, today: date) -> str:
    """YEAR-N, the first N not taken by this programme (nor by the built-in text)."""
    taken = set(db.session.scalars(sa.select(ConsentText.version).where(ConsentText.programme_id == programme.id)))
    taken.add(BUILT_IN_VERSION)
    n = 1
    while f"{today.year}-{n}" in taken:
        n += 1
    return f"{today.year}-{n}"


#: A file whose applicant must agree to the text of its programme: sent, and not withdrawn.
def _concerned():
    return sa.and_(Application.reference.is_not(None), Application.status != Status.WITHDRAWN)


def publish(programme: Programme, body_ar: str, body_fr: str, by: User, today: date) -> ConsentText:
    text = ConsentText(programme_id=programme.id, version=next_version(programme, today), body_ar=body_ar.strip(),
                       body_fr=body_fr.strip(), published_by_id=by.id)
    db.session.add(text)
    db.session.flush()
    marked = db.session.execute(sa.update(User).where(User.id.in_(
        sa.select(Application.applicant_id).where(Application.programme_id == programme.id, _concerned())))
        .values(consent_due=True).execution_options(synchronize_session=False)).rowcount
    record("programme.consent_published", programme, actor=by, version=text.version, applicants=marked)
    return text


def pending(user: User) -> list[tuple[Application, ConsentText]]:
    """Her sent files whose programme's newest text she has not agreed to, with that text (one query)."""
    newest = (sa.select(ConsentText.id).where(ConsentText.programme_id == Application.programme_id)
              .order_by(ConsentText.id.desc()).limit(1).correlate(Application).scalar_subquery())
    rows = db.session.execute(
        sa.select(Application, ConsentText).join(ConsentText, ConsentText.id == newest)
        .where(Application.applicant_id == user.id, _concerned(),
               ~sa.exists().where(Consent.application_id == Application.id,
                                  Consent.text_version == ConsentText.version))
        .order_by(Application.id)).all()
    return [(application, text) for application, text in rows]


def check(user: User) -> None:
    """Set the flag from the consents themselves (at sign-in): the flag is only a shortcut."""
    if user.role == Role.APPLICANT:
        user.consent_due = bool(pending(user))


def agree(user: User, language: str, method: str = "online", attested_by: User | None = None) -> int:
    """She agrees to the newest text of each programme she has a sent file in: one consent per file. A field
    agent who read it to her (an account she has not taken over yet) attests it, as at submission."""
    found = pending(user)
    for application, text in found:
        db.session.add(Consent(application_id=application.id, user_id=user.id, text_version=text.version,
                               language=language if language in available_languages() else "fr",
                               method=method, attested_by_id=attested_by.id if attested_by else None))
        record("application.consent_renewed", application, actor=attested_by or user, version=text.version,
               method=method)
    user.consent_due = False
    return len(found)
