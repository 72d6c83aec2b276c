"""Dashboard summary: funnel_counts and application_facts, kept up to date as files move (jisr/stats/facts.py).

Existing files are counted by `flask --app jisr rebuild-stats`, to run once after this upgrade.

Revision ID: 444c13ec39ce
Revises: de9e1207931f
Create Date: 2026-12-01 14:43:21.137322

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '444c13ec39ce'
down_revision = 'de9e1207931f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('funnel_counts',
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('province_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('dimension', sa.String(length=20), nullable=False),
    sa.Column('value', sa.String(length=40), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_funnel_counts_programme_id_programmes')),
    sa.PrimaryKeyConstraint('programme_id', 'province_id', 'month', 'dimension', 'value', 'stage', name=op.f('pk_funnel_counts'))
    )
    with op.batch_alter_table('funnel_counts', schema=None) as batch_op:
        batch_op.create_index('ix_funnel_counts_query', ['programme_id', 'province_id', 'dimension', 'month'], unique=False)

    op.create_table('application_facts',
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('keys', sa.JSON(), nullable=False),
    sa.Column('reached', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_application_facts_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_application_facts_programme_id_programmes')),
    sa.PrimaryKeyConstraint('application_id', name=op.f('pk_application_facts'))
    )
    with op.batch_alter_table('application_facts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_facts_programme_id'), ['programme_id'], unique=False)



def downgrade():
    with op.batch_alter_table('application_facts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_facts_programme_id'))

    op.drop_table('application_facts')
    with op.batch_alter_table('funnel_counts', schema=None) as batch_op:
        batch_op.drop_index('ix_funnel_counts_query')

    op.drop_table('funnel_counts')
