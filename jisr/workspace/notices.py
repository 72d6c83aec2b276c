"""What the applicant is told when her file moves in the workspace: in her language, through the outbox,
tied to the file so staff see whether it went out. Each notice is an e-mail body and a short SMS."""

from __future__ import annotations

from flask_babel import force_locale, gettext

from jisr import bidi
from jisr.applications.models import Application
from jisr.i18n import user_locale
from jisr.outbox.services import notify


def _send(application: Application, subject: str, lines: list[str], sms: str) -> None:
    applicant = application.applicant
    body = "\n\n".join([gettext("Hello %(name)s,", name=applicant.full_name), *lines,
                        gettext("You can follow your file on the Jisr website.")])
    notify(applicant, subject, body, sms, application=application)


def _values(application: Application, **extra) -> dict:
    """The reference isolated, so that it reads left to right inside an Arabic SMS, subject or e-mail."""
    return dict(reference=bidi.isolate(application.reference), **extra)


def info_requested(application: Application, request) -> None:
    with force_locale(user_locale(application.applicant)):
        values = _values(application)
        _send(application, gettext("Your Jisr file %(reference)s: the association needs information", **values),
              [gettext("The association reviewing your file %(reference)s asks you:", **values), request.message,
               gettext("Answer on your page of the Jisr website; you can add documents there too.")],
              # i18n: an SMS. Keep it short (70 characters in Arabic script per SMS part).
              gettext("Jisr: the association asks you for information on your file %(reference)s. Answer on the "
                      "Jisr website.", **values))


def accepted(application: Application) -> None:
    with force_locale(user_locale(application.applicant)):
        values = _values(application)
        _send(application, gettext("Your Jisr file %(reference)s has been accepted", **values),
              [gettext("Good news: the association accepted your file %(reference)s. It will accompany you and "
                       "will invite you to your first session.", **values)],
              # i18n: an SMS. Keep it short (70 characters in Arabic script per SMS part).
              gettext("Jisr: your file %(reference)s has been accepted. The association will invite you.",
                      **values))


def rejected(application: Application, reason, note: str | None) -> None:
    with force_locale(user_locale(application.applicant)):
        values = _values(application, reason=reason.name)
        lines = [gettext("The association reviewed your file %(reference)s and could not accept it. Reason: "
                         "%(reason)s.", **values)]
        if note:
            lines.append(note)
        _send(application, gettext("Your Jisr file %(reference)s: decision of the association", **values), lines,
              # i18n: an SMS. Keep it short (70 characters in Arabic script per SMS part).
              gettext("Jisr: decision on your file %(reference)s. Read it on the Jisr website.", **values))


def waitlisted(application: Application, note: str | None) -> None:
    with force_locale(user_locale(application.applicant)):
        values = _values(application)
        lines = [gettext("The association keeps your file %(reference)s on its waiting list: it will take it up as "
                         "soon as it can.", **values)]
        if note:
            lines.append(note)
        _send(application, gettext("Your Jisr file %(reference)s is on the association's waiting list", **values),
              lines,
              # i18n: an SMS. Keep it short (70 characters in Arabic script per SMS part).
              gettext("Jisr: your file %(reference)s is on the association's waiting list.", **values))


def mentor_assigned(application: Application, mentor) -> None:
    with force_locale(user_locale(application.applicant)):
        values = _values(application, mentor=mentor.full_name)
        _send(application, gettext("Your Jisr file %(reference)s: your mentor", **values),
              [gettext("%(mentor)s will accompany you in the association from now on.", **values)],
              # i18n: an SMS. Keep it short (70 characters in Arabic script per SMS part).
              gettext("Jisr: %(mentor)s is now your mentor.", **values))


def stage_changed(application: Application, stage) -> None:
    with force_locale(user_locale(application.applicant)):
        values = _values(application, stage=stage.name)
        _send(application, gettext("Your Jisr file %(reference)s: new stage", **values),
              [gettext("Your accompaniment has reached a new stage: %(stage)s.", **values)],
              # i18n: an SMS. Keep it short (70 characters in Arabic script per SMS part).
              gettext("Jisr: your accompaniment is now at the stage “%(stage)s”.", **values))


def completed(application: Application) -> None:
    with force_locale(user_locale(application.applicant)):
        values = _values(application)
        _send(application, gettext("Your Jisr file %(reference)s: your project is launched", **values),
              [gettext("Congratulations: your project is launched and your accompaniment is complete. The "
                       "association stays in touch to follow your activity.", **values)],
              # i18n: an SMS. Keep it short (70 characters in Arabic script per SMS part).
              gettext("Jisr: congratulations, your project is launched! Accompaniment complete.", **values))


def dropped_out(application: Application, reason, note: str | None) -> None:
    with force_locale(user_locale(application.applicant)):
        values = _values(application, reason=reason.name)
        lines = [gettext("Your accompaniment has ended before its term. Reason recorded: %(reason)s.", **values)]
        if note:
            lines.append(note)
        _send(application, gettext("Your Jisr file %(reference)s: end of the accompaniment", **values), lines,
              # i18n: an SMS. Keep it short (70 characters in Arabic script per SMS part).
              gettext("Jisr: your accompaniment has ended. Read why on the Jisr website.", **values))
