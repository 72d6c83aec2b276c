"""Demo data of the ministry's administration, so that `make run` shows its pages alive: a staff invitation
waiting (two provinces), a request for erasure waiting for the admin, an API token of the admin, and next year's
edition of the programme being prepared (copied from this one, with a stage of its own and its own consent text).
Idempotent: seed-demo can run again without adding more."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

import sqlalchemy as sa

from jisr.api import tokens
from jisr.api.models import ApiToken
from jisr.auth.hashing import hash_secret
from jisr.auth.models import Invitation, Role, User
from jisr.extensions import db
from jisr.geo.models import Province
from jisr.programmes import admin as programmes
from jisr.programmes import consent
from jisr.programmes.models import Programme
from jisr.rights.models import ErasureRequest
from jisr.timeutil import utcnow

INVITED_PHONE = "+212661009988"
TOKEN_NAME = "Tableau de bord du ministère"


def seed_next_edition(programme: Programme, admin: User, today: date) -> None:
    code = f"{programme.code}-{today.year + 1}"
    if db.session.scalar(sa.select(Programme.id).where(Programme.code == code)) is not None:
        return
    opens = date(today.year + 1, 3, 1)
    edition = programmes.new_edition(programme, {
        "code": code, "name_ar": f"{programme.name_ar} – {today.year + 1}",
        "name_fr": f"{programme.name_fr} – {today.year + 1}", "opens_on": opens,
        "closes_on": date(today.year + 1, 12, 31)}, admin)
    programmes.save_item(programmes.GRIDS["stages"], edition, None, {
        "code": "market_test", "name_ar": "اختبار المنتوج في السوق", "name_fr": "Test du produit sur le marché"},
        admin)
    consent.publish(edition, consent.built_in_text("ar") + "\n\nتُحفظ معطياتك خمس سنوات بعد إغلاق ملفك، ثم تُجهَّل.",
                    consent.built_in_text("fr") + "\n\nVos données sont conservées cinq ans après la clôture de "
                    "votre dossier, puis anonymisées.", admin, today)


def seed_admin(accounts: list[tuple[User, str]], programme: Programme, today: date) -> None:
    admin = next(user for user, _password in accounts if user.role == Role.ADMIN)
    seed_next_edition(programme, admin, today)
    if db.session.scalar(sa.select(Invitation.id).where(Invitation.phone == INVITED_PHONE)) is None:
        # The code is not sent (no mail server behind the demo); the invitation waits on the admins' page.
        now = utcnow()
        invitation = Invitation(role=Role.AGENT, full_name="Fatima Ouali", phone=INVITED_PHONE, locale="ar",
                                code_hash=hash_secret(secrets.token_hex(8)), invited_by_id=admin.id,
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
