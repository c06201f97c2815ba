"""Anonymous safeguarding disclosure counts.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "safeguarding_counts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("iso_week", sa.String(8), nullable=False),
        sa.Column("age_band", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.UniqueConstraint("iso_week", "age_band", "kind", "channel"),
    )


def downgrade() -> None:
    op.drop_table("safeguarding_counts")
