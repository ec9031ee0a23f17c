#!/usr/bin/env bash
# The main job on embedded defaults: builds two commits of the example project in a fresh git
# repository, lets real dbt write each commit's manifest (`dbt parse`), then plans the first
# deploy, the change between the commits, and what a refresh tick would run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"
dbt="$root/.venv/bin/dbt"
cli=(java -jar "$root/operator/target/dbt-operator.jar")

work=$(mktemp -d "${TMPDIR:-/tmp}/dbt-operator-demo.XXXXXX")
repo="$work/repo"
mkdir -p "$repo" "$work/profiles"
cat > "$work/profiles/profiles.yml" <<'YAML'
dbt_operator:
  target: demo
  outputs:
    demo: {type: postgres, host: localhost, port: 5432, user: demo, password: demo, dbname: demo, schema: public, threads: 1}
YAML

# Runs a CLI command whose exit code 2 means "there are changes", which the demo expects.
run() {
  echo "\$ dbt-operator ${*}"
  local code=0
  "${cli[@]}" "$@" || code=$?
  if [ "$code" -ne 0 ] && [ "$code" -ne 2 ]; then exit "$code"; fi
  echo
}

parse() {
  (cd "$repo" && "$dbt" parse --quiet --no-partial-parse --profiles-dir "$work/profiles" --target-path "$work/target-$1")
  cp "$work/target-$1/manifest.json" "$work/manifest-$1.json"
}

cp -r "$root/examples/shop/." "$repo/"
git -C "$repo" init --quiet --initial-branch main
git -C "$repo" add -A
git -C "$repo" -c user.name=demo -c user.email=demo@example.invalid commit --quiet -m "shop v1"
v1=$(git -C "$repo" rev-parse HEAD)
parse v1

cp -r "$root/examples/changes/v2/." "$repo/"
git -C "$repo" add -A
git -C "$repo" -c user.name=demo -c user.email=demo@example.invalid commit --quiet -m "shop v2"
v2=$(git -C "$repo" rev-parse HEAD)
parse v2

run plan --repo "$repo" --to "$v1" --to-manifest "$work/manifest-v1.json"
run plan --repo "$repo" --from "$v1" --to "$v2" --from-manifest "$work/manifest-v1.json" --to-manifest "$work/manifest-v2.json"
run plan --repo "$repo" --from "$v1" --to "$v2" --from-manifest "$work/manifest-v1.json" --to-manifest "$work/manifest-v2.json" --output json
run due --state "sqlite:$work/state.db" --manifest "$work/manifest-v2.json" --config "$repo/dbt-operator.yml" --at 2026-11-23T09:00:00Z
echo "demo files kept in $work"
