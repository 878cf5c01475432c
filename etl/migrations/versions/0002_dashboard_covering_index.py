"""covering index for the dashboard's sums on monthly_count

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 00:15:00
"""

from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

COLUMNS = ['month', 'partner_id', 'county_fips', 'pathway', 'referrals', 'assessments_completed', 'enrolled']


def upgrade() -> None:
    with op.batch_alter_table('monthly_count', schema=None) as batch_op:
        batch_op.create_index('ix_monthly_count_dashboard', COLUMNS, unique=False)


def downgrade() -> None:
    with op.batch_alter_table('monthly_count', schema=None) as batch_op:
        batch_op.drop_index('ix_monthly_count_dashboard')
