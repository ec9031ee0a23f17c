#!/usr/bin/env bash
# The main job on embedded defaults: commits the example project into a fresh git repository,
# deploys it into an embedded PostgreSQL (started by the CLI, no root needed; the roles the example
# grants to are created there), deploys a second commit, runs a refresh tick, and prints the
# status table and the run history.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/dbt-operator-demo.XXXXXX")
repo="$work/repo"
mkdir -p "$repo"
cli=(java -jar "$root/operator/target/dbt-operator.jar")
common=(--repo "$repo" --state "sqlite:$work/state.db" --artifacts "local:$work/artifacts"
  --warehouse "embedded:$work/postgres?roles=reporter,analyst" --work "$work/work" --dbt "$root/.venv/bin/dbt")

run() {
  echo "\$ dbt-operator $1 ..."
  "${cli[@]}" "$@" "${common[@]}"
  echo
}

commit() {
  git -C "$repo" add -A
  git -C "$repo" -c user.name=demo -c user.email=demo@example.invalid commit --quiet -m "$1"
}

cp -r "$root/examples/shop/." "$repo/"
git -C "$repo" init --quiet --initial-branch main
commit "shop v1"
run deploy

cp -r "$root/examples/changes/v2/." "$repo/"
commit "shop v2: orders gain is_completed, analysts may read marts"
run deploy

# A tick tomorrow at 11:00 UTC: marts is due (every 6 hours, between 05:00 and 23:00 Paris).
tick=$(date -u -d 'tomorrow 11:00' +%Y-%m-%dT%H:%M:%SZ)
run refresh --at "$tick"
run status
run runs --limit 12
echo "demo files kept in $work"
