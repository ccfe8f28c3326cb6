"""rituals: quiet hours, appreciation days and snoozes of check-ins; promises and their marks;
weekly ritual deliveries (one per partner, kind and week)

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Columns added with defaults (existing rows keep working) and three new tables."""
    with op.batch_alter_table("checkin_partners") as batch:
        batch.add_column(sa.Column("quiet_start", sa.Integer(), nullable=True))  # minutes after local midnight
        batch.add_column(sa.Column("quiet_end", sa.Integer(), nullable=True))
    with op.batch_alter_table("checkin_prompts") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=16), nullable=False, server_default="daily"))
        batch.add_column(sa.Column("snoozes", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "promises",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("couple_id", sa.Integer(), sa.ForeignKey("couples.id", ondelete="CASCADE"), nullable=False),
        sa.Column("made_by", sa.Integer(), sa.ForeignKey("partners.id", ondelete="CASCADE"), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_promises_couple_id", "promises", ["couple_id"])
    op.create_table(
        "promise_marks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("promise_id", sa.Integer(), sa.ForeignKey("promises.id", ondelete="CASCADE"), nullable=False),
        sa.Column("couple_id", sa.Integer(), sa.ForeignKey("couples.id", ondelete="CASCADE"), nullable=False),
        sa.Column("marked_by", sa.Integer(), sa.ForeignKey("partners.id", ondelete="CASCADE"), nullable=False),
        sa.Column("mark", sa.String(length=16), nullable=False),
        sa.Column("local_date", sa.String(length=10), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("promise_id", "marked_by", "local_date"),
    )
    op.create_index("ix_promise_marks_couple_id", "promise_marks", ["couple_id"])
    op.create_table(
        "ritual_deliveries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("couple_id", sa.Integer(), sa.ForeignKey("couples.id", ondelete="CASCADE"), nullable=False),
        sa.Column("partner_id", sa.Integer(), sa.ForeignKey("partners.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminder_id", sa.Integer(), sa.ForeignKey("reminders.id", ondelete="SET NULL"), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.UniqueConstraint("partner_id", "kind", "week"),
    )
    op.create_index("ix_ritual_deliveries_couple_id", "ritual_deliveries", ["couple_id"])


def downgrade() -> None:
    """Drop them again."""
    op.drop_index("ix_ritual_deliveries_couple_id", table_name="ritual_deliveries")
    op.drop_table("ritual_deliveries")
    op.drop_index("ix_promise_marks_couple_id", table_name="promise_marks")
    op.drop_table("promise_marks")
    op.drop_index("ix_promises_couple_id", table_name="promises")
    op.drop_table("promises")
    with op.batch_alter_table("checkin_prompts") as batch:
        batch.drop_column("snoozes")
        batch.drop_column("kind")
    with op.batch_alter_table("checkin_partners") as batch:
        batch.drop_column("quiet_end")
        batch.drop_column("quiet_start")
