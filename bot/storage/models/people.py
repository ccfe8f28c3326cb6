"""Who talks and where: couples, partners, their chats, link codes, handled channel updates,
each partner's sealed private notes, the AI disclosure's records."""
from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Text
from sqlalchemy.orm import relationship

from bot.storage.models.base import Base, UTCDateTime, utcnow


class Couple(Base):
    __tablename__ = "couples"
    id = Column(Integer, primary_key=True)
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    therapist_id = Column(Integer, ForeignKey("therapists.id", ondelete="SET NULL"), nullable=True)
    practice_code = Column(String(32), nullable=True)
    country = Column(String(8), nullable=True)
    timezone = Column(String(64), nullable=True)
    partners = relationship("Partner", back_populates="couple")


class Partner(Base):
    __tablename__ = "partners"
    id = Column(Integer, primary_key=True)
    couple_id = Column(Integer, ForeignKey("couples.id", ondelete="CASCADE"), nullable=False, index=True)
    # e.g. "tg:12345" for a Telegram user, "web:<session>:A" for a widget partner
    external_id = Column(String(200), nullable=False, unique=True)
    display_name = Column(String(200), nullable=True)
    channel = Column(String(32), nullable=False, default="rest")
    language = Column(String(16), nullable=True)
    timezone = Column(String(64), nullable=True)  # their own IANA zone (None: the couple's)
    consent_store = Column(Boolean, nullable=False, default=True)
    consent_share = Column(Boolean, nullable=False, default=False)
    consent_changed_at = Column(UTCDateTime(), nullable=True)
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    couple = relationship("Couple", back_populates="partners")


class Conversation(Base):
    """One chat: a Telegram private chat or group, a widget session, a REST sender."""

    __tablename__ = "conversations"
    id = Column(String(255), primary_key=True)  # Rasa sender id, e.g. "tg-12345"
    couple_id = Column(Integer, ForeignKey("couples.id", ondelete="CASCADE"), nullable=False, index=True)
    channel = Column(String(32), nullable=False, default="rest")
    chat_type = Column(String(32), nullable=False, default="private")
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    last_active_at = Column(UTCDateTime(), nullable=True)


class LinkCode(Base):
    """A short code that joins a second private chat to a couple."""

    __tablename__ = "link_codes"
    code = Column(String(16), primary_key=True)
    couple_id = Column(Integer, ForeignKey("couples.id", ondelete="CASCADE"), nullable=False)
    created_by = Column(Integer, ForeignKey("partners.id", ondelete="CASCADE"), nullable=True)
    created_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    expires_at = Column(UTCDateTime(), nullable=False)
    used_at = Column(UTCDateTime(), nullable=True)


class ProcessedUpdate(Base):
    """Channel updates already handled, so a replayed update is handled once."""

    __tablename__ = "processed_updates"
    key = Column(String(200), primary_key=True)  # e.g. "tg:<bot id>:<update_id>"
    at = Column(UTCDateTime(), nullable=False, default=utcnow)


class PrivateNote(Base):
    """What one partner keeps only for themselves (yes/no/maybe list, reflection), sealed.

    ``sealed`` is ciphertext (``bot.sealed``): the database never holds the answers in plain text.
    Deleted with the partner (``/forget``), and by the partner at any time.
    """

    __tablename__ = "private_notes"
    partner_id = Column(Integer, ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True)
    kind = Column(String(32), primary_key=True)  # closeness | reflection
    sealed = Column(Text, nullable=False)
    updated_at = Column(UTCDateTime(), nullable=False, default=utcnow)


class DisclosureSeen(Base):
    """What the AI disclosure's triggers need about one conversation (``bot/disclosure.py``): times, no words.

    ``version`` grows with each change, so two rasa replicas deciding at once cannot both show the line.
    """

    __tablename__ = "disclosure_seen"
    conversation_id = Column(String(255), primary_key=True)  # the rasa sender id ("tg-12345", a widget session)
    last_seen_at = Column(UTCDateTime(), nullable=False)
    disclosed_at = Column(UTCDateTime(), nullable=True)
    run_started_at = Column(UTCDateTime(), nullable=False)  # when the current continuous conversation began
    language = Column(String(8), nullable=True)  # the last language the conversation clearly showed
    version = Column(Integer, nullable=False, default=1)
