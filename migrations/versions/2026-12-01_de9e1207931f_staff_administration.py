"""Staff administration: the provinces an admin's invitation gives (agents and coordinators).

Revision ID: de9e1207931f
Revises: a9c9218a220b
Create Date: 2026-12-01 14:20:02.777233

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'de9e1207931f'
down_revision = 'a9c9218a220b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('invitation_provinces',
    sa.Column('invitation_id', sa.Integer(), nullable=False),
    sa.Column('province_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['invitation_id'], ['invitations.id'], name=op.f('fk_invitation_provinces_invitation_id_invitations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['province_id'], ['provinces.id'], name=op.f('fk_invitation_provinces_province_id_provinces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('invitation_id', 'province_id', name=op.f('pk_invitation_provinces'))
    )
    with op.batch_alter_table('invitation_provinces', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitation_provinces_province_id'), ['province_id'], unique=False)



def downgrade():
    with op.batch_alter_table('invitation_provinces', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitation_provinces_province_id'))

    op.drop_table('invitation_provinces')
