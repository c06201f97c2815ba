"""Requests: complaints, advocacy requests and messages for social workers.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("reference", sa.String(20), unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
        sa.Column("known_name", sa.String(200)),
        sa.Column("contact_preference", sa.String(20)),
        sa.Column("contact_detail", sa.String(200)),
        sa.Column("urgency", sa.String(16)),
        sa.Column("channel", sa.String(32)),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("handled_by", sa.String(100)),
    )


def downgrade() -> None:
    op.drop_table("requests")
