#!/usr/bin/env bash
# Installs what dbt-operator needs on this machine: a virtualenv with pinned dbt, fakesnow for the
# Snowflake tests, and the jar.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if [ ! -x .venv/bin/dbt ] || ! cmp -s requirements-dbt.lock .venv/.installed-lock; then
  echo "==> creating .venv with pinned dbt (requirements-dbt.lock)"
  python3 -m venv .venv
  .venv/bin/pip install --quiet --upgrade pip
  .venv/bin/pip install --quiet --requirement requirements-dbt.lock
  cp requirements-dbt.lock .venv/.installed-lock
fi
.venv/bin/dbt --version | sed -n '1,3p'

bash scripts/setup-fakesnow.sh

if [ "${SKIP_BUILD:-}" != "1" ]; then
  echo "==> building operator/target/dbt-operator.jar"
  mvn -B -q -DskipTests package
fi
