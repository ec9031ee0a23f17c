#!/usr/bin/env bash
# Planner benchmark: scales a real fixture manifest (default caltrans-pems-v12, 104 models) to
# 5,000 and 20,000 models and prints, for each size, the plan time of the CLI from a cold JVM
# (scripts/dbt-operator, the launcher users run, C1 only),
# the warm plan time inside one JVM, the peak heap, and the time python's json.load takes only
# to parse the same file. It prints figures; it is not a test.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
fixture=${FIXTURE:-$root/../shared/fixtures/manifests/caltrans-pems-v12.json}
sizes=${SIZES:-"5000 20000"}
jar=${JAR:-$root/operator/target/dbt-operator.jar}
[ -f "$jar" ] || (cd "$root" && mvn -B -q -DskipTests package)
work=$(mktemp -d "${TMPDIR:-/tmp}/dbt-operator-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

project=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["metadata"]["project_name"])' "$fixture")
repo="$work/repo"
mkdir -p "$repo"
printf 'name: %s\nversion: "1.0"\nprofile: bench\n' "$project" > "$repo/dbt_project.yml"
git -C "$repo" init -q --initial-branch main
git -C "$repo" add -A && git -C "$repo" -c user.name=b -c user.email=b@example.invalid commit -qm one
echo "bench" > "$repo/README.md"
git -C "$repo" add -A && git -C "$repo" -c user.name=b -c user.email=b@example.invalid commit -qm two

# Real projects can have schema cycles (caltrans has one); the settings break it as a user would.
config="$work/dbt-operator.yml"
# (the default lives in a variable: a '}' inside ${VAR:-...} would end the expansion early)
default_config='schemas: [{schema: diagnostics, dependsOn: [analytics, vds]}]'
printf '%s\n' "${BENCH_CONFIG:-$default_config}" > "$config"

echo "fixture: $(basename "$fixture")  cpus: $(nproc)  java: $(java -version 2>&1 | head -n 1)"
printf '%-8s %-9s %-12s %-12s %-12s %-10s %-10s\n' models size_mb python_parse cli_cold warm_best peak_heap ratio
for n in $sizes; do
  before="$work/before-$n.json"; after="$work/after-$n.json"
  python3 "$root/bench/scale_manifest.py" "$fixture" "$n" "$before" "$after" 5 > /dev/null
  size=$(python3 -c 'import os,sys; print(f"{os.path.getsize(sys.argv[1])/1e6:.0f}")' "$after")
  parse=$(python3 -c 'import json,sys,time
best=1e9
for _ in range(3):
    t=time.perf_counter(); json.load(open(sys.argv[1])); best=min(best, time.perf_counter()-t)
print(f"{best:.3f}")' "$after")
  start=$(date +%s.%N)
  code=0
  DBT_OPERATOR_JAR="$jar" "$root/scripts/dbt-operator" plan --repo "$repo" --from HEAD~1 \
    --to HEAD --from-manifest "$before" --to-manifest "$after" --config "$config" --output json \
    > "$work/plan.json" || code=$?
  end=$(date +%s.%N)
  [ "$code" -eq 2 ] || { echo "plan failed with exit $code" >&2; exit 1; }
  cold=$(python3 -c "print(f'{$end - $start:.3f}')")
  warm=$(java -cp "$jar" io.dbtoperator.cli.PlanBenchmark "$repo" HEAD~1 HEAD "$before" "$after" "$config" 5)
  best=$(sed -E 's/.*warm_best_s=([0-9.]+).*/\1/' <<< "$warm")
  heap=$(sed -E 's/.*peak_heap_mib=([0-9]+).*/\1/' <<< "$warm")
  ratio=$(python3 -c "print(f'{$best / $parse:.2f}x')")
  printf '%-8s %-9s %-12s %-12s %-12s %-10s %-10s\n' "$n" "$size" "${parse}s" "${cold}s" "${best}s" "${heap}MiB" "$ratio"
done
echo "ratio = warm plan time (two manifests read and compared) / python parse-only time of one manifest"
