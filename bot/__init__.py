"""Kintsugi: a companion for couples rebuilding trust after a betrayal."""
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
