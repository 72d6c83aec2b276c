"""Demo data of the ministry's administration, so that `make run` shows its pages alive: a staff invitation
waiting (two provinces), a request for erasure waiting for the admin, and an API token of the admin. Idempotent:
seed-demo can run again without adding more."""

from __future__ import annotations

import secrets
from datetime import timedelta

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from jisr.api import tokens
from jisr.api.models import ApiToken
from jisr.auth.models import Invitation, Role, User
from jisr.extensions import db
from jisr.geo.models import Province
from jisr.rights.models import ErasureRequest
from jisr.timeutil import utcnow

INVITED_PHONE = "+212661009988"
TOKEN_NAME = "Tableau de bord du ministère"


def seed_admin(accounts: list[tuple[User, str]]) -> None:
    admin = next(user for user, _password in accounts if user.role == Role.ADMIN)
    if db.session.scalar(sa.select(Invitation.id).where(Invitation.phone == INVITED_PHONE)) is None:
        # The code is not sent (no mail server behind the demo); the invitation waits on the admins' page.
        now = utcnow()
        invitation = Invitation(role=Role.AGENT, full_name="Fatima Ouali", phone=INVITED_PHONE, locale="ar",
                                code_hash=generate_password_hash(secrets.token_hex(8)), invited_by_id=admin.id,
                                created_at=now, expires_at=now + timedelta(days=7))
        invitation.provinces = list(db.session.scalars(sa.select(Province).where(
            Province.code.in_(("errachidia", "midelt")))))
        db.session.add(invitation)
    applicant = db.session.scalar(sa.select(User).where(User.phone == "+212612340004"))
    if applicant is not None and db.session.scalar(sa.select(ErasureRequest.id).where(
            ErasureRequest.user_id == applicant.id)) is None:
        db.session.add(ErasureRequest(user_id=applicant.id))
    if db.session.scalar(sa.select(ApiToken.id).where(ApiToken.user_id == admin.id,
                                                      ApiToken.name == TOKEN_NAME)) is None:
        tokens.create(admin, TOKEN_NAME)  # its secret is not kept: the admin makes her own to use the API
    db.session.flush()
