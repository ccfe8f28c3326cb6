"""`rasa data validate` is clean, apart from what Rasa cannot see (responses sent by our actions)."""
from __future__ import annotations

import re
import subprocess

from bot import PROJECT_ROOT
from bot.stack import rasa_bin

WARNING = re.compile(r"UserWarning: (.*)")


def _referenced_in_code() -> tuple:
    code = "\n".join(p.read_text() for p in (PROJECT_ROOT / "actions").glob("*.py"))
    names = set(re.findall(r"\"(utter_\w+)\"", code))
    prefixes = set(re.findall(r"f\"(utter_\w+?_)\{", code))
    return names, prefixes


def test_rasa_data_validate_is_clean() -> None:
    result = subprocess.run(
        [rasa_bin(), "data", "validate", "--fail-on-warning"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    names, prefixes = _referenced_in_code()
    problems = []
    for warning in WARNING.findall(output):
        unused = re.match(r"The utterance '(utter_\w+)' is not used in any story or rule\.", warning)
        if unused:
            name = unused.group(1)
            # Form questions and responses our actions send are used, just not visible to Rasa.
            if name.startswith("utter_ask_") or name in names or any(name.startswith(p) for p in prefixes):
                continue
        if re.match(r"The intent 'EXTERNAL_\w+' is listed in the domain file, but is not found", warning):
            continue  # triggered through the API by reminders, never typed
        problems.append(warning)
    assert not problems, "\n".join(problems)
