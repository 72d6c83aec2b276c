"""Incubator measures: what each file adds to its incubator's record (application_facts.measures), summary counts
as BigInteger (sums of seconds and centimes outgrow 32 bits), and the dashboard's index covering what it reads.

Files that already had a first contact, stages or an outcome are counted by `flask --app jisr rebuild-stats`, to run
once after this upgrade (until then their measures are missing from the dashboard, the funnel is unchanged).

Revision ID: ed2cca286ab3
Revises: 6486b0a2af00
Create Date: 2026-12-01 16:55:28.029179

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ed2cca286ab3'
down_revision = '6486b0a2af00'
branch_labels = None
depends_on = None

#: jisr.stats.facts.STAGES when this revision was written: the rows the previous revision knows.
FUNNEL_STAGES = ("registered", "submitted", "eligible", "routed", "accepted", "in_mentoring", "completed",
                 "dropped_out")


def upgrade():
    with op.batch_alter_table('application_facts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('measures', sa.JSON(), server_default=sa.text("'{}'"), nullable=False))

    with op.batch_alter_table('funnel_counts', schema=None) as batch_op:
        batch_op.alter_column('count',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger(),
               existing_nullable=False)

    with op.batch_alter_table('funnel_deltas', schema=None) as batch_op:
        batch_op.alter_column('delta',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger(),
               existing_nullable=False)

    with op.batch_alter_table('funnel_counts', schema=None) as batch_op:
        batch_op.drop_index('ix_funnel_counts_query')
        batch_op.create_index('ix_funnel_counts_query', ['programme_id', 'province_id', 'dimension', 'month', 'value',
                                                         'stage', 'count'], unique=False)


def downgrade():
    # The measures' rows mean nothing to the previous revision (and their sums may not fit 32 bits): drop them.
    for table in ('funnel_counts', 'funnel_deltas'):
        op.execute(sa.table(table, sa.column('stage')).delete().where(
            sa.column('stage').not_in(FUNNEL_STAGES)))

    with op.batch_alter_table('funnel_counts', schema=None) as batch_op:
        batch_op.drop_index('ix_funnel_counts_query')
        batch_op.create_index('ix_funnel_counts_query', ['programme_id', 'province_id', 'dimension', 'month'],
                              unique=False)

    with op.batch_alter_table('funnel_deltas', schema=None) as batch_op:
        batch_op.alter_column('delta',
               existing_type=sa.BigInteger(),
               type_=sa.INTEGER(),
               existing_nullable=False)

    with op.batch_alter_table('funnel_counts', schema=None) as batch_op:
        batch_op.alter_column('count',
               existing_type=sa.BigInteger(),
               type_=sa.INTEGER(),
               existing_nullable=False)

    with op.batch_alter_table('application_facts', schema=None) as batch_op:
        batch_op.drop_column('measures')
