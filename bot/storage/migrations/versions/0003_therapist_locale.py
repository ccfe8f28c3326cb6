"""therapists: the time zone and locale the review app shows dates and times in

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa


revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Two optional columns; unset means the couple's zone and the browser's language."""
    with op.batch_alter_table("therapists", schema=None) as batch_op:
        batch_op.add_column(sa.Column("timezone", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("locale", sa.String(length=16), nullable=True))


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table("therapists", schema=None) as batch_op:
        batch_op.drop_column("locale")
        batch_op.drop_column("timezone")
