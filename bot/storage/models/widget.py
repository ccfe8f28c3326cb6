"""The widget's replies not yet confirmed by the browser (``bot/storage/widget_outbox.py``)."""
from __future__ import annotations

from sqlalchemy import Column, Integer, String, Text

from bot.storage.models.base import Base, UTCDateTime, utcnow


class WidgetReply(Base):
    """One reply the widget has not confirmed yet (its payload as the socket sent it); kept a day at most."""

    __tablename__ = "widget_replies"
    id = Column(Integer, primary_key=True, autoincrement=True)  # the order replies were given in
    session_id = Column(String(255), nullable=False, index=True)
    reply_id = Column(String(64), nullable=False, unique=True)
    payload = Column(Text, nullable=False)
    at = Column(UTCDateTime(), nullable=False, default=utcnow)
