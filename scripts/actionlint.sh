#!/usr/bin/env bash
# Checks the GitHub workflows, the project's (.github/workflows) and the examples' (the plan on
# pull requests, the commit bump), with actionlint: expressions, contexts, action inputs, job
# graph. Built once from the Go module proxy into ~/.cache/dbt-operator/actionlint.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
version=v1.7.12
bin="${XDG_CACHE_HOME:-$HOME/.cache}/dbt-operator/actionlint/$version"
if [ ! -x "$bin/actionlint" ]; then
  command -v go >/dev/null || { echo "actionlint.sh: Go is needed to build actionlint" >&2; exit 1; }
  echo "==> building actionlint $version" >&2
  GOBIN="$bin" GOFLAGS=-mod=mod go install "github.com/rhysd/actionlint/cmd/actionlint@$version"
fi
"$bin/actionlint" .github/workflows/*.yml examples/03-gitops/ci/*.yml
echo "actionlint $version: workflows clean"
