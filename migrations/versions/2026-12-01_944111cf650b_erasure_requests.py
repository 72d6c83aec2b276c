"""Erasure requests: her request to be erased, and the admin's decision.

Revision ID: 944111cf650b
Revises: 444c13ec39ce
Create Date: 2026-12-01 15:03:03.746763

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '944111cf650b'
down_revision = '444c13ec39ce'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('erasure_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('notice_ids', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_erasure_requests_decided_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_erasure_requests_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_erasure_requests'))
    )
    with op.batch_alter_table('erasure_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_erasure_requests_decided_by_id'), ['decided_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_erasure_requests_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_erasure_requests_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('erasure_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_erasure_requests_user_id'))
        batch_op.drop_index(batch_op.f('ix_erasure_requests_state'))
        batch_op.drop_index(batch_op.f('ix_erasure_requests_decided_by_id'))

    op.drop_table('erasure_requests')
