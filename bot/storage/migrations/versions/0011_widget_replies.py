"""widget_replies: the widget's unconfirmed replies, shared by every rasa process and kept across restarts

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa


revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """One new table; nothing existing changes."""
    op.create_table(
        "widget_replies",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("session_id", sa.String(length=255), nullable=False),
        sa.Column("reply_id", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("reply_id"),
    )
    op.create_index("ix_widget_replies_session_id", "widget_replies", ["session_id"])


def downgrade() -> None:
    """Drop it again."""
    op.drop_index("ix_widget_replies_session_id", table_name="widget_replies")
    op.drop_table("widget_replies")
