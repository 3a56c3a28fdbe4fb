"""The first schema of the live service.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "scenario_files",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("loaded_at", TZ, nullable=False))
    op.create_table(
        "facilities",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("name", sa.String(400)),
        sa.Column("region", sa.String(200)),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False))
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("facility", sa.String(200), sa.ForeignKey("facilities.id"), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("reporter", sa.String(200), nullable=False),
        sa.Column("received_at", TZ, nullable=False),
        sa.UniqueConstraint("facility", "date", "kind", name="uq_report"))
    op.create_index("ix_reports_facility", "reports", ["facility"])
    op.create_index("ix_reports_date", "reports", ["date"])
    op.create_table(
        "report_audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("facility", sa.String(200), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("raw", sa.JSON, nullable=False),
        sa.Column("reporter", sa.String(200), nullable=False),
        sa.Column("received_at", TZ, nullable=False))
    op.create_index("ix_report_audit_facility", "report_audit", ["facility"])
    op.create_table(
        "tokens",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("facilities", sa.JSON, nullable=True),
        sa.Column("created_at", TZ, nullable=False))
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("finished_at", TZ),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("state", sa.JSON, nullable=False),
        sa.Column("summary", sa.JSON),
        sa.Column("deliveries_csv", sa.Text),
        sa.Column("service_csv", sa.Text),
        sa.Column("error", sa.Text))


def downgrade() -> None:
    for table in ("plans", "tokens", "report_audit", "reports", "facilities", "scenario_files"):
        op.drop_table(table)
