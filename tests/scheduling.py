"""The order pytest-xdist hands test files to its workers (`make test`: ``--dist loadfile``).

xdist's own order is "most tests first", so files with few but long tests (cross-validation,
the replicas, the browser journeys) came last and one CPU waited for the other at the end.
Here the files known to be long go first, longest first (their seconds on one CPU of a 2-CPU
machine, measured in a full run without xdist; a rough guide, not a test); the rest follow in
xdist's order. A file missing here is only started later, never skipped.
"""
from __future__ import annotations

from typing import Dict

from xdist.scheduler import LoadFileScheduling

LONG_FILES: Dict[str, int] = {
    # measured on 2026-11-30 (1908 passed in 44 min, the machine shared with other work), files over 20 s;
    # the rasa stack's start-up (about 70 s) is left out: every worker pays it once, whichever file is first
    "tests/test_dialogue.py": 535,  # 5-fold NLU cross-validation and rasa test core
    "tests/telegram/test_telegram_stack.py": 110,
    "tests/test_rituals_fortnight.py": 110,
    "tests/telegram/test_pause_between_two_stack.py": 94,
    "tests/test_actions_checkins.py": 90,
    "tests/test_replicas.py": 87,
    "tests/telegram/test_private_notes_telegram.py": 79,
    "tests/test_stack_heals.py": 75,
    "tests/web_widget/test_widget_standin.py": 60,
    "tests/telegram/test_coaching_private_telegram.py": 47,
    "tests/web_widget/test_widget_restart_stack.py": 46,
    "tests/telegram/test_group_etiquette.py": 40,
    "tests/telegram/test_forget_stack.py": 39,
    "tests/telegram/test_journey_sharing.py": 39,
    "tests/telegram/test_disclosure_rasa_down.py": 36,
    "tests/test_rasa_tuning.py": 33,
    "tests/test_money_dates.py": 31,
    "tests/telegram/test_forms_understand_stack.py": 30,
    "tests/test_weekly_talk.py": 30,
    "tests/telegram/test_rituals_telegram_stack.py": 27,
    "tests/telegram/test_talk_step_telegram_stack.py": 26,
    "tests/telegram/test_question_coaching_telegram.py": 24,
}


class LongFilesFirst(LoadFileScheduling):
    """``--dist loadfile`` with the long files handed out first."""

    def _assign_work_unit(self, node) -> None:  # noqa: ANN001 - xdist's WorkerController
        longest = max(self.workqueue, key=lambda scope: LONG_FILES.get(scope, 0))
        if LONG_FILES.get(longest, 0):
            self.workqueue.move_to_end(longest, last=False)
        super()._assign_work_unit(node)
