"""The outbox with a real SMTP server (aiosmtpd): a reset code travels by e-mail and works; without
a mail server e-mail goes to the log; SMS waits for a gateway; an unreachable server loses nothing."""

from __future__ import annotations

import email
import email.policy
import logging
import re
import socket

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from jisr.extensions import db as _db
from jisr.outbox.models import Channel, OutboxMessage, OutboxState

PASSWORD = "Tafilalet-2026!"  # what make_user gives
NEW_PASSWORD = "Une phrase que je retiens"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Collector:
    """aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), server_hostname="localhost")
    controller.start()
    try:
        yield controller, handler
    finally:
        controller.stop()


def code_in(text: str) -> str:
    return re.search(r"\b(\d{6})\b", text).group(1)


def only_message() -> OutboxMessage:
    _db.session.expire_all()
    return _db.session.scalars(sa.select(OutboxMessage)).one()


def test_reset_code_sent_by_smtp_lets_her_choose_a_new_password(smtp_server, make_app, make_user):
    controller, received = smtp_server
    make_user(email="fatima@example.org", full_name="فاطمة الزهراء", locale="ar")
    client = make_app(MAIL_SERVER=controller.hostname, MAIL_PORT=controller.port).test_client()

    response = client.post("/account/reset", data={"identifier": "Fatima@Example.org"})
    assert response.status_code == 302

    assert len(received.messages) == 1
    mail = received.messages[0]
    assert mail["To"] == "fatima@example.org"
    assert mail["Content-Language"] == "ar"
    assert mail["Subject"]
    body = mail.get_body().get_content()
    assert "فاطمة الزهراء" in body
    message = only_message()
    assert (message.channel, message.state, message.attempts) == (Channel.EMAIL, OutboxState.SENT, 1)
    assert message.sent_at is not None

    response = client.post("/account/reset/confirm", data={
        "identifier": "fatima@example.org", "code": code_in(body),
        "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    client.post("/account/logout")
    assert client.post("/account/login", data={"identifier": "fatima@example.org",
                                               "password": PASSWORD}).status_code == 422
    response = client.post("/account/login", data={"identifier": "fatima@example.org", "password": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"


def test_without_mail_server_the_email_is_written_to_the_log(client, make_user, caplog):
    make_user(email="fatima@example.org")
    with caplog.at_level(logging.INFO, logger="jisr.outbox"):
        assert client.post("/account/reset", data={"identifier": "fatima@example.org"}).status_code == 302
    message = only_message()
    assert (message.state, message.attempts) == (OutboxState.LOGGED, 1)
    assert "fatima@example.org" in caplog.text and code_in(message.body) in caplog.text


def test_sms_stays_pending_for_the_gateway(client, make_user):
    make_user(phone="+212612345678")
    assert client.post("/account/reset", data={"identifier": "0612345678"}).status_code == 302
    message = only_message()
    assert (message.channel, message.recipient, message.state) == (Channel.SMS, "+212612345678", OutboxState.PENDING)
    assert (message.attempts, message.sent_at) == (0, None)


def test_unreachable_smtp_server_leaves_the_message_pending_and_the_request_succeeds(make_app, make_user):
    make_user(email="fatima@example.org")
    client = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port()).test_client()  # nothing listens there
    response = client.post("/account/reset", data={"identifier": "fatima@example.org"})
    assert response.status_code == 302 and response.headers["Location"] == "/account/reset/confirm"
    message = only_message()
    assert (message.state, message.attempts) == (OutboxState.PENDING, 1)
    assert message.last_error
    # The code was committed with the request, so it works once the message goes out.
    response = client.post("/account/reset/confirm", data={
        "identifier": "fatima@example.org", "code": code_in(message.body),
        "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 302
