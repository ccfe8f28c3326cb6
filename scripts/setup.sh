#!/usr/bin/env bash
# Create .venv with Python 3.10 and install Kintsugi with pinned versions.
# Re-runs only what changed (pyproject.toml, package-lock.json).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=$(bash scripts/find-python.sh)
stamp_py=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; assert sys.version_info[:2]==(3,10)' 2>/dev/null; then
  echo "Creating .venv with $($PY --version 2>&1)..."
  rm -rf .venv
  $PY -m venv .venv
fi
if [ ! -f "$stamp_py" ]; then
  echo "Installing Kintsugi and its pinned dependencies (a few minutes the first time)..."
  .venv/bin/python -m pip install --quiet --upgrade "pip==24.2"
  .venv/bin/python -m pip install --quiet -e ".[test]"
  .venv/bin/python -m pip check
  rm -f .venv/.installed-*
  touch "$stamp_py"
fi
if [ -f package-lock.json ]; then
  stamp_js="node_modules/.installed-$(sha256sum package-lock.json | cut -c1-16)"
  if [ ! -f "$stamp_js" ]; then
    if command -v npm >/dev/null 2>&1; then
      echo "Installing the widget's pinned browser libraries (npm ci)..."
      npm ci --no-audit --no-fund --loglevel=error
      touch "$stamp_js"
    else
      echo "npm not found: the web widget's socket.io client will be missing (install Node.js and re-run)." >&2
    fi
  fi
fi
mkdir -p var
