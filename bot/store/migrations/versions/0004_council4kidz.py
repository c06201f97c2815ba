"""Council4Kidz: tester codes, their ratings of the bot's answers, and their saved conversations.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tester_codes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code_hash", sa.String(64), unique=True, nullable=False),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "answer_ratings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("tester_code_id", sa.Integer, sa.ForeignKey("tester_codes.id", ondelete="SET NULL")),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("rating", sa.Integer, nullable=False),
        sa.Column("comment", sa.Text),
        sa.Column("age_band", sa.String(16)),
    )
    op.create_table(
        "tester_conversations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("tester_code_id", sa.Integer, sa.ForeignKey("tester_codes.id", ondelete="SET NULL")),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("story", sa.Text, nullable=False),
        sa.Column("exported_to", sa.String(300)),
    )


def downgrade() -> None:
    op.drop_table("tester_conversations")
    op.drop_table("answer_ratings")
    op.drop_table("tester_codes")
