"""each partner's own time zone (partners in different places each see their own time)

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa


revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """One nullable column; the couple's zone stays the fallback."""
    with op.batch_alter_table("partners") as batch:
        batch.add_column(sa.Column("timezone", sa.String(length=64), nullable=True))


def downgrade() -> None:
    """Drop it again."""
    with op.batch_alter_table("partners") as batch:
        batch.drop_column("timezone")
