#!/usr/bin/env bash
# Runs every test: unit tests (*Test) and integration tests with real components (*IT).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
SKIP_BUILD=1 bash scripts/setup.sh
# the control plane of the Kubernetes integration tests: built once into ~/.cache, ~15 min
bash scripts/kube-apiserver.sh build
# the GitHub workflows (release.yml cannot run here: it publishes)
bash scripts/actionlint.sh
mvn -B verify
