#!/usr/bin/env bash
# Plan latency against dbt, measured side by side, interleaved, on generated layered projects.
#
# For each size it writes a dbt project (20 schemas, one folder each, every model reading two
# models of the schema before) into git with two commits: the second changes 5 models and the
# config of one model in a properties file. Then, REPS times, one after the other:
#   dbt_parse_cold      `dbt parse` of commit 2, no partial-parse state
#   dbt_parse_partial   `dbt parse` of commit 2 with commit 1's partial_parse.msgpack restored
#   dbt_ls_warm         `dbt ls -s state:modified+` against commit 1's manifest, warm (the state
#                       of commit 2's parse is in place)
#   plan_cold           `scripts/dbt-operator plan` of the two manifests, a cold JVM (C1 only),
#                       with the AOT cache scripts/aot-cache.sh makes when a Java 25 is found
#   plan_noaot          the same on `java` of the PATH, C1 only, no cache: the launcher before
#   plan_cold_c2        the same with `java -jar` (the JVM's default JIT), for comparison
#   commit_to_plan      commit 2 checked out, the state restored, `dbt parse`, then the plan:
#                       what the CLI does from a new commit to its plan
#   plan_warm           the plan in an already-warm JVM, as the operator makes it: both manifests
#                       read and planned in-process by io.dbtoperator.cli.PlanBenchmark, the JVM's
#                       default JIT, WARM_UP iterations not counted, then the median of WARM_ITERATIONS
#   json_load           python's json.load of commit 2's manifest
# With BASELINE_JAR set (a jar of an earlier commit), also plan_cold_base and plan_warm_base: the
# same two plans with that jar's planner, for a before/after in the same run.
# and prints the medians, the ratios and the models each selects. It exits 1 when the plan misses
# a model that dbt selects.
#
#   SIZES="2000 5000 10000" REPS=3 bash bench/plan-vs-dbt.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
sizes=${SIZES:-"2000 5000 10000"}
reps=${REPS:-3}
warm_up=${WARM_UP:-10}
warm_iterations=${WARM_ITERATIONS:-10}
schemas=20
dbt=${DBT:-$root/.venv/bin/dbt}
cli=("$root/scripts/dbt-operator")
jar=${DBT_OPERATOR_JAR:-$root/operator/target/dbt-operator.jar}
[ -f "$jar" ] || (cd "$root" && mvn -B -q -DskipTests package)
# The cache of the jar being measured (it says so and makes none without a Java 25).
DBT_OPERATOR_JAR="$jar" bash "$root/scripts/aot-cache.sh"
aot_java=$(cat "${jar%.jar}.aot.java" 2> /dev/null || echo "none")
export DBT_SEND_ANONYMOUS_USAGE_STATS=false DBT_OPERATOR_JAR="$jar"
work=$(mktemp -d "${TMPDIR:-/tmp}/dbt-operator-plan-vs-dbt.XXXXXX")
[ -n "${KEEP_WORK:-}" ] || trap 'rm -rf "$work"' EXIT
baseline=${BASELINE_JAR:-}
if [ -n "$baseline" ]; then
  # The measuring loop of this jar around the baseline's planner: the class comes first.
  mkdir -p "$work/bench-classes"
  (cd "$work/bench-classes" && unzip -q "$jar" 'io/dbtoperator/cli/PlanBenchmark.class')
fi
warm_plan() { # name classpath repo c1 c2 from-manifest to-manifest
  local name=$1 out
  out=$(java -cp "$2" io.dbtoperator.cli.PlanBenchmark "$3" "$4" "$5" "$6" "$7" - "$warm_iterations" "$warm_up")
  echo "$name $(sed -E 's/.*warm_median_s=([0-9.]+).*/\1/' <<< "$out")" >> "$times"
  echo "${name}_cpu $(sed -E 's/.*warm_cpu_median_s=([0-9.]+).*/\1/' <<< "$out")" >> "$times"
}

seconds() { python3 -c 'import sys; print(f"{float(sys.argv[2]) - float(sys.argv[1]):.3f}")' "$1" "$2"; }
now() { date +%s.%N; }
# Runs a command, appends "<name> <seconds>" to the times file, fails on a non-zero exit but 2
# (the plan's "changes").
timed() {
  local name=$1 start end code=0
  shift
  start=$(now)
  "$@" || code=$?
  end=$(now)
  if [ "$code" -ne 0 ] && [ "$code" -ne 2 ]; then
    echo "$name failed with exit $code" >&2
    exit 1
  fi
  echo "$name $(seconds "$start" "$end")" >> "$times"
}

generate() { # dir models
  python3 - "$1" "$2" "$schemas" <<'PY'
import os, sys
root, models, schemas = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
per = models // schemas
os.makedirs(root, exist_ok=True)
with open(os.path.join(root, "dbt_project.yml"), "w") as f:
    f.write('name: bench\nversion: "1.0"\nconfig-version: 2\nprofile: bench\nmodel-paths: ["models"]\n')
    f.write("models:\n  bench:\n    +materialized: view\n")
    for s in range(schemas):
        f.write(f"    s{s:02d}:\n      +schema: s{s:02d}\n")
for s in range(schemas):
    d = os.path.join(root, "models", f"s{s:02d}")
    os.makedirs(d, exist_ok=True)
    for i in range(per):
        if s == 0:
            sql = f"select {i} as id, 'm_{s}_{i}' as label\n"
        else:
            a, b = f"m_{s-1}_{i}", f"m_{s-1}_{(i + 1) % per}"
            sql = (f"select x.id, x.label from {{{{ ref('{a}') }}}} as x\n"
                   f"join {{{{ ref('{b}') }}}} as y on x.id = y.id\n")
        with open(os.path.join(d, f"m_{s}_{i}.sql"), "w") as f:
            f.write(sql)
with open(os.path.join(root, "models", "s10", "properties.yml"), "w") as f:
    f.write("version: 2\nmodels:\n  - name: m_10_1\n    config:\n      materialized: view\n")
PY
}

change() { # dir: 5 models and one model's config
  python3 - "$1" "$schemas" <<'PY'
import os, sys
root, schemas = sys.argv[1], int(sys.argv[2])
for s in (3, 7, 11, 15, 19):
    path = os.path.join(root, "models", f"s{s:02d}", f"m_{s}_0.sql")
    with open(path, "a") as f:
        f.write("where x.id >= 0\n")
path = os.path.join(root, "models", "s10", "properties.yml")
with open(path) as f:
    text = f.read()
with open(path, "w") as f:
    f.write(text.replace("materialized: view", "materialized: table"))
PY
}

median() { # name
  awk -v n="$1" '$1 == n { print $2 }' "$times" | sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

mkdir -p "$work/profiles"
cat > "$work/profiles/profiles.yml" <<'YML'
bench:
  target: dev
  outputs:
    dev:
      type: postgres
      host: 127.0.0.1
      port: 5432
      user: bench
      password: bench
      dbname: bench
      schema: public
      threads: 1
YML
dbt_in() { # dir target-path args...
  local dir=$1 target=$2
  shift 2
  "$dbt" "$@" --project-dir "$dir" --profiles-dir "$work/profiles" --target-path "$target" \
    --log-path "$target/logs"
}

echo "cpus: $(nproc)  load: $(cut -d' ' -f1-3 /proc/loadavg)  dbt: $("$dbt" --version 2>/dev/null | sed -n 's/.*installed: *//p' | head -n 1)  java: $(java -version 2>&1 | head -n 1)  aot cache: $aot_java"
status=0
summary="$work/summary.txt"
: > "$summary"
for n in $sizes; do
  times="$work/times-$n.txt"
  : > "$times"
  repo="$work/repo-$n"
  generate "$repo" "$n"
  git -C "$repo" init -q --initial-branch main
  git -C "$repo" add -A && git -C "$repo" -c user.name=b -c user.email=b@example.invalid commit -qm one
  change "$repo"
  git -C "$repo" add -A && git -C "$repo" -c user.name=b -c user.email=b@example.invalid commit -qm two
  c1=$(git -C "$repo" rev-parse HEAD~1)
  c2=$(git -C "$repo" rev-parse HEAD)
  # Commit 1 as it was parsed before: its manifest and partial-parse state.
  git -C "$repo" worktree add -q --detach "$work/c1-$n" "$c1"
  dbt_in "$work/c1-$n" "$work/t1-$n" -q parse > /dev/null
  git -C "$repo" worktree add -q --detach "$work/c2-$n" "$c2"
  for rep in $(seq "$reps"); do
    rm -rf "$work/tcold-$n" "$work/tpartial-$n"
    timed dbt_parse_cold dbt_in "$work/c2-$n" "$work/tcold-$n" -q parse --no-partial-parse
    mkdir -p "$work/tpartial-$n"
    cp "$work/t1-$n/partial_parse.msgpack" "$work/tpartial-$n/"
    timed dbt_parse_partial dbt_in "$work/c2-$n" "$work/tpartial-$n" -q parse --partial-parse
    timed dbt_ls_warm bash -c "$(declare -f dbt_in); dbt=$dbt work=$work dbt_in $work/c2-$n $work/tpartial-$n -q ls -s state:modified+ --resource-type model --state $work/t1-$n --output name > $work/dbt-selected-$n.txt"
    timed plan_cold bash -c "'${cli[0]}' plan --repo '$repo' --from '$c1' --to '$c2' --from-manifest '$work/t1-$n/manifest.json' --to-manifest '$work/tcold-$n/manifest.json' --output json > '$work/plan-$n.json'"
    timed plan_noaot bash -c "java -XX:TieredStopAtLevel=1 -jar '$jar' plan --repo '$repo' --from '$c1' --to '$c2' --from-manifest '$work/t1-$n/manifest.json' --to-manifest '$work/tcold-$n/manifest.json' --output json > /dev/null"
    timed plan_cold_c2 bash -c "java -jar '$jar' plan --repo '$repo' --from '$c1' --to '$c2' --from-manifest '$work/t1-$n/manifest.json' --to-manifest '$work/tcold-$n/manifest.json' --output json > /dev/null"
    rm -rf "$work/c2p-$n" "$work/tc2p-$n"
    timed commit_to_plan bash -c "set -e; $(declare -f dbt_in)
      git -C '$repo' worktree add -q --detach '$work/c2p-$n' '$c2'
      mkdir -p '$work/tc2p-$n' && cp '$work/t1-$n/partial_parse.msgpack' '$work/tc2p-$n/'
      dbt='$dbt' work='$work' dbt_in '$work/c2p-$n' '$work/tc2p-$n' -q parse --partial-parse
      code=0; '${cli[0]}' plan --repo '$repo' --from '$c1' --to '$c2' --from-manifest '$work/t1-$n/manifest.json' --to-manifest '$work/tc2p-$n/manifest.json' --output json > /dev/null || code=\$?
      [ \$code -eq 2 ]"
    git -C "$repo" worktree remove --force "$work/c2p-$n"
    warm_plan plan_warm "$jar" "$repo" "$c1" "$c2" "$work/t1-$n/manifest.json" "$work/tcold-$n/manifest.json"
    if [ -n "$baseline" ]; then
      timed plan_cold_base bash -c "DBT_OPERATOR_JAR='$baseline' '${cli[0]}' plan --repo '$repo' --from '$c1' --to '$c2' --from-manifest '$work/t1-$n/manifest.json' --to-manifest '$work/tcold-$n/manifest.json' --output json > /dev/null"
      warm_plan plan_warm_base "$work/bench-classes:$baseline" "$repo" "$c1" "$c2" "$work/t1-$n/manifest.json" "$work/tcold-$n/manifest.json"
    fi
    timed json_load python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$work/tcold-$n/manifest.json"
  done
  grep -q "Partial parsing enabled" "$work/tpartial-$n/logs/dbt.log" \
    || { echo "dbt did not parse partially with the restored state (see $work/tpartial-$n/logs/dbt.log)" >&2; status=1; }
  size=$(python3 -c 'import os,sys; print(f"{os.path.getsize(sys.argv[1])/1e6:.0f}")' "$work/tcold-$n/manifest.json")
  selection=$(python3 - "$work/plan-$n.json" "$work/dbt-selected-$n.txt" <<'PY'
import json, sys
plan = json.load(open(sys.argv[1]))
planned = {m.split(".")[-1] for step in plan["steps"] for m in step.get("models", [])}
dbt = {line.strip() for line in open(sys.argv[2]) if line.strip()}
missed = sorted(dbt - planned)
print(f"dbt_selects={len(dbt)} plan_builds={len(planned)} missed={len(missed)} extra={len(planned - dbt)}"
      + (f" first_missed={','.join(missed[:5])}" if missed else ""))
PY
)
  echo "$n models: $selection"
  case "$selection" in *" missed=0 "*) ;; *) status=1 ;; esac
  line="$n $size"
  for m in dbt_parse_cold dbt_parse_partial dbt_ls_warm plan_cold plan_noaot plan_cold_c2 commit_to_plan plan_warm json_load; do
    line="$line $(median "$m")"
  done
  echo "$line" >> "$summary"
  echo "$n $(median plan_warm_cpu) $(median plan_cold_base) $(median plan_warm_base) $(median plan_warm_base_cpu)" >> "$work/extra.txt"
done

echo
printf '%-7s %-8s %-10s %-10s %-10s %-10s %-10s %-10s %-11s %-10s %-10s\n' models manifest parse_cold parse_part ls_warm plan_cold plan_noaot plan_c2 commit2plan plan_warm json_load
while read -r n size pc pp ls pl pna pl2 c2p pw jl; do
  printf '%-7s %-8s %-10s %-10s %-10s %-10s %-10s %-10s %-11s %-10s %-10s\n' "$n" "${size}MB" "${pc}s" "${pp}s" "${ls}s" "${pl}s" "${pna}s" "${pl2}s" "${c2p}s" "${pw}s" "${jl}s"
done < "$summary"
echo
echo "ratios (medians of $reps runs; plan_warm: the median of $reps JVMs' medians of $warm_iterations warm plans each):"
while read -r n size pc pp ls pl pna pl2 c2p pw jl; do
  python3 - "$n" "$pc" "$pp" "$ls" "$pl" "$pna" "$pl2" "$c2p" "$pw" "$jl" <<'PY'
import sys
n, pc, pp, ls, pl, pna, pl2, c2p, pw, jl = sys.argv[1], *map(float, sys.argv[2:])
print(f"  {n}: plan_cold / json_load {pl / jl:.2f}x (goal <= 2 at >= 5,000; under 2 s at 2,000: {pl:.2f} s)"
      f" | plan_warm / json_load {pw / jl:.2f}x (goal <= 1)"
      f" | dbt_ls_warm / plan_cold {ls / pl:.1f}x (goal >= 20)"
      f" | parse_cold / parse_partial {pc / pp:.2f}x"
      f" | plan_noaot / plan_cold {pna / pl:.2f}x"
      f" | plan_c2 / plan_cold {pl2 / pl:.2f}x"
      f" | commit_to_plan / (parse_cold + plan_cold) {c2p / (pc + pl):.2f}")
PY
done < "$summary"
echo
echo "warm plan CPU (process, GC and JIT included; median of the JVMs' medians):"
while read -r n cpu cold_base warm_base warm_base_cpu; do
  echo "  $n: plan_warm_cpu ${cpu}s"
  if [ -n "$baseline" ]; then
    echo "  $n: baseline jar: plan_cold ${cold_base}s plan_warm ${warm_base}s plan_warm_cpu ${warm_base_cpu}s"
  fi
done < "$work/extra.txt"
exit "$status"
