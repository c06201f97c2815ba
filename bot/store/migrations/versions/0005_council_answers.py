"""The council answers: who owns a request, when it was acknowledged and answered, staff
notes, the emails that tell the teams a request has arrived, and the news that goes back to
the child in the chat they chose.

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("requests") as requests:  # batch: SQLite cannot add columns with constraints otherwise
        requests.add_column(sa.Column("age_band", sa.String(16)))
        requests.add_column(sa.Column("safeguarding", sa.Boolean, nullable=False, server_default=sa.false()))
        requests.add_column(sa.Column("acknowledged_at", sa.DateTime))
        requests.add_column(sa.Column("answered_at", sa.DateTime))
        requests.add_column(sa.Column("closed_at", sa.DateTime))
        requests.add_column(sa.Column("reply_address", sa.String(400)))
        requests.add_column(sa.Column("news_code_hash", sa.String(128)))
        requests.add_column(sa.Column("news_code_failures", sa.Integer, nullable=False, server_default="0"))
        requests.add_column(sa.Column("news_code_locked_until", sa.DateTime))
    # The statuses now name the steps the timescales count: acknowledged, answered, closed.
    op.execute("UPDATE requests SET status = 'acknowledged', acknowledged_at = updated_at WHERE status = 'in_progress'")
    op.execute("UPDATE requests SET status = 'closed', closed_at = updated_at WHERE status = 'done'")
    op.create_table(
        "request_notes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("request_id", sa.Integer, sa.ForeignKey("requests.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("who", sa.String(100), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
    )
    op.create_table(
        "request_updates",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("request_id", sa.Integer, sa.ForeignKey("requests.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("who", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime, nullable=False, index=True),
        sa.Column("delivered_at", sa.DateTime),
        sa.Column("last_error", sa.String(300)),
    )
    op.create_table(
        "staff_emails",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("request_id", sa.Integer, sa.ForeignKey("requests.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("inbox", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime, nullable=False, index=True),
        sa.Column("sent_at", sa.DateTime),
        sa.Column("last_error", sa.String(300)),
    )


def downgrade() -> None:
    op.drop_table("staff_emails")
    op.drop_table("request_updates")
    op.drop_table("request_notes")
    op.execute("UPDATE requests SET status = 'in_progress' WHERE status IN ('acknowledged', 'answered')")
    op.execute("UPDATE requests SET status = 'done' WHERE status = 'closed'")
    with op.batch_alter_table("requests") as requests:
        for column in ("news_code_locked_until", "news_code_failures", "news_code_hash", "reply_address", "closed_at", "answered_at", "acknowledged_at", "safeguarding", "age_band"):
            requests.drop_column(column)
