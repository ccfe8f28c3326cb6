"""Kintsugi's plugins for the rasa server, each named in one of Rasa's YAML files.

- ``tracker_store.UrlTrackerStore`` (``endpoints.yml``): Rasa's SQL tracker store on our database.
- ``lock_store.EnvLockStore`` (``endpoints.yml``): an atomic Redis lock store, or Rasa's in-memory one.
- ``safety_guard.SafetyGuard`` (``config.yml``): the safety detector has the last word on the intent.
- ``widget_channel.WidgetSocketIOInput`` (``credentials.yml``): the web widget's socket.io channel.
- ``first_words.KintsugiRestInput`` (``credentials.yml``): Rasa's REST channel; both channels flag a
  message the detector flags, so a crisis that opens a session gets help before any welcome.
- ``tuning``: speed fixes for Rasa internals, installed by :func:`install`.
- ``action_signing``: signs every call to the action server (``bot.action_auth``), installed by
  :func:`install` whether or not the speed fixes are on.
- ``log_redaction``: keeps a person's words out of Rasa's own log lines, installed by :func:`install`
  whether or not the speed fixes are on.

Importing this package does nothing; the stores call :func:`install` when the rasa
server builds them (before it loads the model), so the fixes are in place for every
message of that process.
"""
from __future__ import annotations


def install() -> bool:
    """Sign action calls, keep people's words out of Rasa's logs, and install the speed fixes of
    ``bot.rasa_plugins.tuning`` (once).

    False when ``KINTSUGI_RASA_TUNING=off``: Rasa then runs as shipped, except that its
    action calls are still signed (the action server accepts no other).
    """
    from bot.rasa_plugins import action_signing, log_redaction, tuning

    action_signing.install()
    log_redaction.install()
    return tuning.install()
