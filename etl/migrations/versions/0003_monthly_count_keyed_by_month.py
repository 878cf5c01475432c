"""monthly_count keyed by (month, county, pathway): one index, no foreign keys

The table is rebuilt, its rows copied: on SQLite it becomes WITHOUT ROWID (stored in key order);
on PostgreSQL the key's index INCLUDEs the partner and the counts, for the dashboard's sums. The
surrogate id, the four secondary indexes and the three foreign keys go: every inserted row paid
for each of them (a million-row file: SQLite 16 s CPU -> 3 s, PostgreSQL COPY ~3x faster). See
etl/models.py MonthlyCount and docs/performance.md.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 21:10:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

COLUMNS = ['partner_id', 'county_fips', 'month', 'pathway', 'referrals', 'assessments_completed', 'enrolled',
           'notes', 'submission_id']
OLD_INDEXES = ['ix_monthly_count_month_county', 'ix_monthly_count_partner_month', 'ix_monthly_count_submission_id',
               'ix_monthly_count_dashboard']


def _checks() -> list:
    return [
        sa.CheckConstraint("pathway IN ('arrest_diversion', 'social_contact')", name=op.f('ck_monthly_count_pathway')),
        sa.CheckConstraint('assessments_completed >= 0 AND assessments_completed <= referrals',
                           name=op.f('ck_monthly_count_assessments_within_referrals')),
        sa.CheckConstraint('enrolled >= 0 AND enrolled <= referrals',
                           name=op.f('ck_monthly_count_enrolled_within_referrals')),
        sa.CheckConstraint('referrals >= 0', name=op.f('ck_monthly_count_referrals_not_negative')),
    ]


def _copy_rows(source: str, target: str) -> None:
    names = ', '.join(COLUMNS)
    op.execute(f'INSERT INTO {target} ({names}) SELECT {names} FROM {source}')


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == 'postgresql'
    op.rename_table('monthly_count', 'monthly_count_0002')
    # Index names belong to the whole schema: free them for the new table.
    for name in OLD_INDEXES:
        op.drop_index(name, table_name='monthly_count_0002')
    if postgresql:
        op.drop_constraint('uq_monthly_count_county_fips_month_pathway', 'monthly_count_0002', type_='unique')
        op.drop_constraint('pk_monthly_count', 'monthly_count_0002', type_='primary')
    op.create_table(
        'monthly_count',
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('county_fips', sa.String(length=5), nullable=False),
        sa.Column('pathway', sa.String(length=20), nullable=False),
        sa.Column('partner_id', sa.Integer(), nullable=False),
        sa.Column('referrals', sa.Integer(), nullable=False),
        sa.Column('assessments_completed', sa.Integer(), nullable=False),
        sa.Column('enrolled', sa.Integer(), nullable=False),
        sa.Column('notes', sa.Text(), nullable=True),
        sa.Column('submission_id', sa.Integer(), nullable=False),
        *_checks(),
        sa.PrimaryKeyConstraint('month', 'county_fips', 'pathway', name=op.f('pk_monthly_count'),
                                postgresql_include=['partner_id', 'referrals', 'assessments_completed', 'enrolled']),
        sqlite_with_rowid=False,
    )
    _copy_rows('monthly_count_0002', 'monthly_count')
    op.drop_table('monthly_count_0002')


def downgrade() -> None:
    op.rename_table('monthly_count', 'monthly_count_0003')
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_constraint('pk_monthly_count', 'monthly_count_0003', type_='primary')
    op.create_table(
        'monthly_count',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('partner_id', sa.Integer(), nullable=False),
        sa.Column('county_fips', sa.String(length=5), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('pathway', sa.String(length=20), nullable=False),
        sa.Column('referrals', sa.Integer(), nullable=False),
        sa.Column('assessments_completed', sa.Integer(), nullable=False),
        sa.Column('enrolled', sa.Integer(), nullable=False),
        sa.Column('notes', sa.Text(), nullable=True),
        sa.Column('submission_id', sa.Integer(), nullable=False),
        *_checks(),
        sa.ForeignKeyConstraint(['county_fips'], ['county.fips'], name=op.f('fk_monthly_count_county_fips_county')),
        sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('fk_monthly_count_partner_id_partner')),
        sa.ForeignKeyConstraint(['submission_id'], ['submission.id'],
                                name=op.f('fk_monthly_count_submission_id_submission')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_monthly_count')),
        sa.UniqueConstraint('county_fips', 'month', 'pathway', name=op.f('uq_monthly_count_county_fips_month_pathway')),
    )
    _copy_rows('monthly_count_0003', 'monthly_count')
    op.drop_table('monthly_count_0003')
    with op.batch_alter_table('monthly_count', schema=None) as batch_op:
        batch_op.create_index('ix_monthly_count_month_county', ['month', 'county_fips'], unique=False)
        batch_op.create_index('ix_monthly_count_partner_month', ['partner_id', 'month'], unique=False)
        batch_op.create_index(batch_op.f('ix_monthly_count_submission_id'), ['submission_id'], unique=False)
        batch_op.create_index('ix_monthly_count_dashboard', ['month', 'partner_id', 'county_fips', 'pathway',
                                                             'referrals', 'assessments_completed', 'enrolled'],
                              unique=False)
