"""Crisis detection and help lines (see content/safety/README.md).

Importing is cheap: spaCy and the lexicon load on the first ``get_detector()``,
the help-line files on the first ``resources_for()``.
"""
from bot.safety.detector import Assessment, SafetyDetector, get_detector
from bot.safety.resources import format_resources, resources_for

__all__ = ["Assessment", "SafetyDetector", "get_detector", "resources_for", "format_resources"]
