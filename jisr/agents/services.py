"""Assisted registration: a field agent opens an account and a draft for someone in one of the
agent's provinces, and the applicant later takes the account over with a claim code."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from jisr.applications import services as applications
from jisr.applications.models import Application
from jisr.audit.services import record
from jisr.auth import services as accounts
from jisr.auth.models import User
from jisr.extensions import db

PAGE_SIZE = 25


class AgentError(ValueError):
    def __init__(self, message, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def register_applicant(agent: User, full_name: str, phone: str, email: str | None, province_id: int,
                       language: str) -> tuple[User, Application]:
    """Account, profile and draft, all in the caller's transaction; the claim code goes to the outbox."""
    if province_id not in {p.id for p in agent.provinces}:
        raise AgentError(_l("You can only register people who live in your provinces."), field="province_id")
    programme = applications.current_programme()
    if programme is None:
        raise AgentError(_l("No call for applications is open at the moment."))
    try:
        user = accounts.register(full_name, None, phone=phone, email=email, locale=language, registered_by=agent)
    except accounts.AccountError as error:
        raise AgentError(str(error), field=error.field) from None
    profile = applications.profile_for(user)
    profile.province_id = province_id
    try:
        application = applications.start_application(user, programme, created_by=agent)
    except applications.ApplicationError as error:
        raise AgentError(str(error)) from None
    accounts.issue_claim_code(user, agent)
    record("agent.registered_applicant", application, actor=agent)
    db.session.flush()
    return user, application


def resend_claim_code(agent: User, user: User) -> None:
    if user.registered_by_id != agent.id or not user.awaiting_claim:
        raise AgentError(_l("This account has already been taken over by its owner."))
    accounts.issue_claim_code(user, agent)
