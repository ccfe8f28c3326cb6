"""weekly "state of us": the couple's agreed weekly slot and each talk (turns, the agreed action)

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa


revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Two new tables; nothing existing changes."""
    op.create_table(
        "weekly_talks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("couple_id", sa.Integer(), sa.ForeignKey("couples.id", ondelete="CASCADE"), nullable=False,
                  unique=True),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("minute", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("set_by", sa.Integer(), sa.ForeignKey("partners.id", ondelete="SET NULL"), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "talk_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("couple_id", sa.Integer(), sa.ForeignKey("couples.id", ondelete="CASCADE"), nullable=False),
        sa.Column("conversation_id", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("action", sa.String(length=300), nullable=True),
        sa.Column("action_by", sa.Integer(), sa.ForeignKey("partners.id", ondelete="SET NULL"), nullable=True),
    )
    op.create_index("ix_talk_sessions_couple_id", "talk_sessions", ["couple_id"])


def downgrade() -> None:
    """Drop them again."""
    op.drop_index("ix_talk_sessions_couple_id", table_name="talk_sessions")
    op.drop_table("talk_sessions")
    op.drop_table("weekly_talks")
