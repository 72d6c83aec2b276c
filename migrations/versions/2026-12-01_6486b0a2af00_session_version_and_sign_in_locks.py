"""Hardening: a session version on users (ends her other sessions when her password or role changes) and
sign-in locks (a pause after repeated failed sign-ins with one phone number or e-mail address).

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
    op.create_table('sign_in_locks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), server_default='0', nullable=False),
    sa.Column('first_failed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_locks')),
    sa.UniqueConstraint('key', name=op.f('uq_sign_in_locks_key'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')

    op.drop_table('sign_in_locks')
