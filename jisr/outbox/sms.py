"""SMS gateways: one small interface, chosen by JISR_SMS_GATEWAY.

- "log" (the default): the text is written to the application log and the message marked `logged`, as e-mails
  are without a mail server.
- "http": the JSON body {"to", "text", "language", "reference", "sender"} is POSTed to JISR_SMS_URL with
  `Authorization: Bearer JISR_SMS_TOKEN`, within JISR_SMS_TIMEOUT seconds; any answer but a 2xx is a failure
  (retried by the job queue). `reference` is the same at every retry of a message, so a gateway that
  deduplicates on it sends it once.
- "package.module:factory": a gateway of your own; `factory(config)` returns an object with `send()`.

Errors never carry the phone number or the text: they are stored with the message and shown to admins.
"""

from __future__ import annotations

import importlib
import json
import logging
import urllib.error
import urllib.request
from typing import Protocol

log = logging.getLogger("jisr.outbox")


class SmsError(Exception):
    """The gateway did not take the message; the outbox keeps it for another attempt."""


class SmsGateway(Protocol):
    #: The state a message takes once this gateway took it: "sent", or "logged" when it went nowhere.
    delivered_state: str

    def send(self, to: str, text: str, language: str, reference: str) -> None:
        """Hand one message to the gateway, or raise SmsError."""


class LogGateway:
    delivered_state = "logged"

    def send(self, to: str, text: str, language: str, reference: str) -> None:
        log.info("SMS %s to %s (%s):\n%s", reference, to, language, text)


class HttpGateway:
    delivered_state = "sent"

    def __init__(self, url: str, token: str | None = None, timeout: float = 10, sender: str | None = None) -> None:
        self.url, self.token, self.timeout, self.sender = url, token, timeout, sender

    def send(self, to: str, text: str, language: str, reference: str) -> None:
        body = {"to": to, "text": text, "language": language, "reference": reference}
        if self.sender:
            body["sender"] = self.sender
        headers = {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.url, data=json.dumps(body, ensure_ascii=False).encode(),
                                         headers=headers, method="POST")
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            raise SmsError(f"the SMS gateway answered HTTP {error.code}") from None
        except TimeoutError:
            raise SmsError(f"the SMS gateway did not answer within {self.timeout:g} s") from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            if isinstance(reason, TimeoutError):
                raise SmsError(f"the SMS gateway did not answer within {self.timeout:g} s") from None
            raise SmsError(f"the SMS gateway cannot be reached: {type(reason).__name__}") from None
        if not 200 <= status < 300:
            raise SmsError(f"the SMS gateway answered HTTP {status}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect would turn the POST into a GET that sends nothing: a failure, like any non-2xx answer."""

    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def gateway(config) -> SmsGateway:
    name = config.get("SMS_GATEWAY") or "log"
    if name == "log":
        return LogGateway()
    if name == "http":
        return HttpGateway(config["SMS_URL"], config.get("SMS_TOKEN"), config.get("SMS_TIMEOUT", 10),
                           config.get("SMS_SENDER"))
    module, _, attribute = name.partition(":")
    return getattr(importlib.import_module(module), attribute)(config)
