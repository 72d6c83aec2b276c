"""Funnel deltas: files moving insert their changes to the summary here; readers fold them in.

Revision ID: dfbcfd0c0564
Revises: cec5d55821e7
Create Date: 2026-12-01 15:16:06.691740

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'dfbcfd0c0564'
down_revision = 'cec5d55821e7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('funnel_deltas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('province_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('dimension', sa.String(length=20), nullable=False),
    sa.Column('value', sa.String(length=40), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('delta', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_funnel_deltas_programme_id_programmes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funnel_deltas'))
    )


def downgrade():
    op.drop_table('funnel_deltas')
