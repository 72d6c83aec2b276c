"""Queue messages with the change that caused them; deliver after the commit.

E-mail goes over SMTP when JISR_MAIL_SERVER is set and is written to the log otherwise.
SMS stays pending in the outbox until a gateway (a later issue) picks it up.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

import sqlalchemy as sa
from flask import current_app, g, has_request_context

from jisr.extensions import db
from jisr.outbox.models import Channel, OutboxMessage, OutboxState
from jisr.timeutil import utcnow

log = logging.getLogger("jisr.outbox")


def enqueue(channel: Channel, recipient: str, subject: str, body: str, language: str,
            application_id: int | None = None) -> OutboxMessage:
    message = OutboxMessage(
        channel=channel, recipient=recipient, subject=str(subject), body=str(body), language=language,
        application_id=application_id,
    )
    db.session.add(message)
    db.session.flush()
    if has_request_context():
        g.setdefault("outbox_queued", []).append(message.id)
    return message


def notify(user, subject: str, body: str, sms: str | None = None, application=None) -> None:
    """Tell someone something that matters to her: by e-mail when she has an address, and by SMS when
    she has a phone (`sms`, short, defaults to `body`). The caller writes the texts in her language
    (`with force_locale(user_locale(user))`). `application`: the file it is about, whose staff see
    whether the message went out."""
    language = (getattr(user, "locale", None) or "ar").split("_")[0]
    application_id = getattr(application, "id", None)
    if user.email:
        enqueue(Channel.EMAIL, user.email, subject, body, language, application_id)
    if user.phone:
        enqueue(Channel.SMS, user.phone, "", sms if sms is not None else body, language, application_id)


def deliver_queued() -> None:
    """Deliver what this request queued, now that it is committed. Failures stay pending for retry."""
    ids = g.pop("outbox_queued", None) if has_request_context() else None
    if ids:
        deliver_pending(ids)


def deliver_pending(ids: list[int] | None = None, limit: int = 100) -> int:
    query = sa.select(OutboxMessage).where(
        OutboxMessage.channel == Channel.EMAIL, OutboxMessage.state == OutboxState.PENDING
    )
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(ids))
    messages = db.session.scalars(query.order_by(OutboxMessage.id).limit(limit)).all()
    for message in messages:
        _deliver_email(message)
    db.session.commit()
    return len(messages)


def _deliver_email(message: OutboxMessage) -> None:
    config = current_app.config
    message.attempts += 1
    if not config.get("MAIL_SERVER"):
        log.info("e-mail to %s: %s\n%s", message.recipient, message.subject, message.body)
        message.state = OutboxState.LOGGED
        message.sent_at = utcnow()
        return
    email = EmailMessage()
    email["From"] = config["MAIL_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email.set_content(message.body)
    email["Content-Language"] = message.language  # after set_content(), which drops content headers
    try:
        smtp_class = smtplib.SMTP_SSL if config.get("MAIL_USE_SSL") else smtplib.SMTP
        with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(email)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("e-mail %s not delivered: %s", message.id, exc)
        message.last_error = str(exc)[:1000]
        if message.attempts >= 5:
            message.state = OutboxState.FAILED
        return
    message.state = OutboxState.SENT
    message.sent_at = utcnow()
