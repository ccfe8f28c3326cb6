#!/usr/bin/env bash
# Print a working Python 3.10 interpreter (Rasa 3.6 needs 3.10), or explain and fail.
set -u
try() { "$@" -c 'import sys; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1 && { echo "$*"; exit 0; }; }
[ -n "${KINTSUGI_PYTHON:-}" ] && try "$KINTSUGI_PYTHON"
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root)
  for v in $(ls -d "$root"/versions/3.10.* 2>/dev/null | sort -V -r); do
    try "$v/bin/python3.10"
  done
fi
for v in $(ls -d "$HOME"/.pyenv/versions/3.10.* 2>/dev/null | sort -V -r); do try "$v/bin/python3.10"; done
command -v python3.10 >/dev/null 2>&1 && try python3.10
command -v python3 >/dev/null 2>&1 && try python3
cat >&2 <<'MSG'
Kintsugi needs Python 3.10 (Rasa 3.6 does not run on 3.11 or newer), and none was found.
Install it, for example with pyenv:   pyenv install 3.10.13
or point to one:                       KINTSUGI_PYTHON=/path/to/python3.10 make run
MSG
exit 1
