"""Guarding against guessing, shared by every process: failed staff sign-ins and tester codes
counted in the database; which web chat sessions entered a tester code; when a staff session
was last used (the idle timeout). Staff accounts managed on the dashboard: a one-time link to
set a password, and an optional second factor (TOTP). The topic log notes which promise a turn
answered (its content source, the council's own words: never the child's).

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "failed_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("guarded", sa.String(24), nullable=False),  # e.g. "staff_user", "tester_address"
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False, index=True),
        sa.Index("ix_failed_attempts_guarded_key", "guarded", "key_hash"),
    )
    op.create_table(
        "tester_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("tester_code_id", sa.Integer, sa.ForeignKey("tester_codes.id", ondelete="CASCADE"), nullable=False),
        sa.Column("session_hash", sa.String(64), nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("tester_code_id", "session_hash"),
    )
    with op.batch_alter_table("staff_sessions") as sessions:
        sessions.add_column(sa.Column("last_seen_at", sa.DateTime))
    with op.batch_alter_table("topic_turns") as turns:
        turns.add_column(sa.Column("answer_source", sa.String(160)))
    with op.batch_alter_table("staff_users") as users:
        users.add_column(sa.Column("setup_token_hash", sa.String(64)))
        users.add_column(sa.Column("setup_token_expires_at", sa.DateTime))
        users.add_column(sa.Column("totp_secret", sa.String(64)))
        users.add_column(sa.Column("totp_on", sa.Boolean, nullable=False, server_default=sa.false()))
        users.add_column(sa.Column("totp_last_step", sa.Integer))


def downgrade() -> None:
    with op.batch_alter_table("topic_turns") as turns:
        turns.drop_column("answer_source")
    with op.batch_alter_table("staff_users") as users:
        for column in ("totp_last_step", "totp_on", "totp_secret", "setup_token_expires_at", "setup_token_hash"):
            users.drop_column(column)
    with op.batch_alter_table("staff_sessions") as sessions:
        sessions.drop_column("last_seen_at")
    op.drop_table("tester_sessions")
    op.drop_table("failed_attempts")
