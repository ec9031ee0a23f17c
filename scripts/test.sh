#!/usr/bin/env bash
# Runs every test: unit tests (*Test) and integration tests with real components (*IT).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
SKIP_BUILD=1 bash scripts/setup.sh
mvn -B verify
