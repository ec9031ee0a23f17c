#!/usr/bin/env bash
# Installs fakesnow (a local Snowflake emulator) into .venv-fakesnow for SnowflakeFakesnowIT.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if [ ! -x .venv-fakesnow/bin/fakesnow ] || ! cmp -s requirements-fakesnow.lock .venv-fakesnow/.installed-lock; then
  echo "==> creating .venv-fakesnow with pinned fakesnow (requirements-fakesnow.lock)"
  python3 -m venv .venv-fakesnow
  .venv-fakesnow/bin/pip install --quiet --upgrade pip
  .venv-fakesnow/bin/pip install --quiet --requirement requirements-fakesnow.lock
  cp requirements-fakesnow.lock .venv-fakesnow/.installed-lock
fi
.venv-fakesnow/bin/pip show fakesnow | sed -n '2p'
