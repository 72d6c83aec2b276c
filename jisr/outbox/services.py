"""Queue messages with the change that caused them; deliver after the commit.

E-mail goes over SMTP when JISR_MAIL_SERVER is set and is written to the log otherwise; SMS goes through the
gateway of JISR_SMS_GATEWAY (jisr/outbox/sms.py; the log by default).

With a job queue (JISR_REDIS_URL, jisr/jobs.py) the request only enqueues a delivery job for the messages it
wrote: a worker talks to the SMTP server and the SMS gateway, with retries. Without one (the embedded
default) e-mails are delivered right after the request's commit, and SMS by `flask send-outbox` from cron.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

import sqlalchemy as sa
from flask import current_app, g, has_app_context

from jisr.extensions import db
from jisr.outbox.models import Channel, OutboxMessage, OutboxState
from jisr.outbox.sms import SmsError, gateway
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
    if has_app_context():  # a request, a command or a job: delivered after its commit (deliver_queued)
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
    """Deliver what this request (or command, or job) queued, now that it is committed: through a job of the
    queue when there is one, so the request never waits on an SMTP server or an SMS gateway; otherwise the
    e-mails at once (SMS wait for `send-outbox`). Failures stay pending for retry."""
    ids = g.pop("outbox_queued", None) if has_app_context() else None
    if not ids:
        return
    from jisr import jobs

    if jobs.enabled():
        jobs.enqueue_delivery(ids)
    else:
        deliver_pending(ids)


def deliver_pending(ids: list[int] | None = None, limit: int = 100,
                    channels: tuple[Channel, ...] = (Channel.EMAIL,)) -> int:
    """Attempt the pending messages (of `ids`, or the oldest `limit`) on `channels`, in place; a message is
    given up (`failed`) at its fifth failed attempt."""
    query = sa.select(OutboxMessage).where(
        OutboxMessage.channel.in_(channels), OutboxMessage.state == OutboxState.PENDING
    )
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(ids))
    messages = db.session.scalars(query.order_by(OutboxMessage.id).limit(limit)).all()
    for message in messages:
        attempt(message, last=message.attempts + 1 >= 5)
    db.session.commit()
    return len(messages)


def pending_ids(written_before=None, limit: int = 1000) -> list[int]:
    query = sa.select(OutboxMessage.id).where(OutboxMessage.state == OutboxState.PENDING)
    if written_before is not None:
        query = query.where(OutboxMessage.created_at < written_before)
    return list(db.session.scalars(query.order_by(OutboxMessage.id).limit(limit)))


def deliver_messages(ids: list[int], last: bool, include_failed: bool = False) -> list[int]:
    """Attempt each message of `ids` still to deliver, one transaction each, its row locked while it goes out
    (on PostgreSQL another worker skips it, so it is never sent twice). `last`: this is the last attempt, a
    message that fails is `failed`. `include_failed`: an admin's retry, failed messages are attempted again.
    Returns the ids still not delivered."""
    states = [OutboxState.PENDING, OutboxState.FAILED] if include_failed else [OutboxState.PENDING]
    left = []
    for message_id in sorted(set(ids)):
        message = db.session.scalar(sa.select(OutboxMessage).where(
            OutboxMessage.id == message_id, OutboxMessage.state.in_(states)).with_for_update(skip_locked=True))
        if message is None:  # delivered, erased, or in another worker's hands
            db.session.rollback()
            continue
        if not attempt(message, last=last):
            left.append(message_id)
        db.session.commit()
    return left


def attempt(message: OutboxMessage, last: bool) -> bool:
    """One attempt at delivering `message`; its state and error are recorded (the caller commits)."""
    message.attempts += 1
    try:
        state = _send_email(message) if message.channel == Channel.EMAIL else _send_sms(message)
    except (OSError, smtplib.SMTPException, SmsError) as exc:
        log.warning("%s %s not delivered: %s", message.channel, message.id, exc)
        message.last_error = str(exc)[:1000]
        message.state = OutboxState.FAILED if last else OutboxState.PENDING
        return False
    message.state = state
    message.sent_at = utcnow()
    return True


def _send_sms(message: OutboxMessage) -> str:
    sms = gateway(current_app.config)
    sms.send(message.recipient, message.body, message.language, f"jisr-{message.id}")
    return sms.delivered_state


def _send_email(message: OutboxMessage) -> str:
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        log.info("e-mail to %s: %s\n%s", message.recipient, message.subject, message.body)
        return OutboxState.LOGGED
    email = EmailMessage()
    email["From"] = config["MAIL_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email.set_content(message.body)
    email["Content-Language"] = message.language  # after set_content(), which drops content headers
    smtp_class = smtplib.SMTP_SSL if config.get("MAIL_USE_SSL") else smtplib.SMTP
    with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(email)
    return OutboxState.SENT
