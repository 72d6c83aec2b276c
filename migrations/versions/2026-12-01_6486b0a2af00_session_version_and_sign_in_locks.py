"""Hardening: a session version on users, which ends her other sessions when her password or role changes.

Revision ID: 6486b0a2af00
Revises: 63863d4072a4
Create Date: 2026-12-01 17:16:44.375446

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6486b0a2af00'
down_revision = '63863d4072a4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')

