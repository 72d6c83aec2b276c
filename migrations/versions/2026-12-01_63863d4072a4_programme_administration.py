"""Programme administration: consent texts with versions, retired reason codes, consent due on users.

Revision ID: 63863d4072a4
Revises: dfbcfd0c0564
Create Date: 2026-12-01 16:51:22.639006

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '63863d4072a4'
down_revision = 'dfbcfd0c0564'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('consent_texts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=20), nullable=False),
    sa.Column('body_ar', sa.Text(), nullable=False),
    sa.Column('body_fr', sa.Text(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_consent_texts_programme_id_programmes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_consent_texts_published_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_texts')),
    sa.UniqueConstraint('programme_id', 'version', name=op.f('uq_consent_texts_programme_id'))
    )
    with op.batch_alter_table('consent_texts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_texts_programme_id'), ['programme_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consent_texts_published_by_id'), ['published_by_id'], unique=False)

    with op.batch_alter_table('reason_codes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_due', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('consent_due')

    with op.batch_alter_table('reason_codes', schema=None) as batch_op:
        batch_op.drop_column('active')

    with op.batch_alter_table('consent_texts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_texts_published_by_id'))
        batch_op.drop_index(batch_op.f('ix_consent_texts_programme_id'))

    op.drop_table('consent_texts')
