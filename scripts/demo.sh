#!/usr/bin/env bash
# The main job on embedded defaults: the operator reconciling the example project.
#
# It starts an API server on loopback: the real kube-apiserver with etcd and
# kube-controller-manager when scripts/kube-apiserver.sh has built them (about 15 minutes, once),
# otherwise fabric8's in-memory mock API server, and it says which (DEMO_API_SERVER=real builds
# and uses the real one; DEMO_API_SERVER=mock forces the mock). Then `dbt-operator local` runs
# the operator, the local kubelet (pods run as local processes, dbt from .venv), an embedded
# PostgreSQL, SQLite state and local artifacts, and applies a DbtProject that follows the branch
# of a git repository holding examples/shop. Then:
#   1. the first deploy: every schema goes live, in dependency order;
#   2. a GitOps commit on the branch: a new plan, and only the affected schemas rebuild;
#   3. one clock tick from the project's CronJob (run by kube-controller-manager on the real
#      server; on the mock, which has no controllers, the CronJob's command is run directly),
#      and a manual refresh of marts;
#   4. the DbtSchemas and the project's events.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"
python="$root/.venv/bin/python"
jar="$root/operator/target/dbt-operator.jar"

mode=${DEMO_API_SERVER:-auto}
if [ "$mode" = auto ]; then
  if bash "$root/scripts/kube-apiserver.sh" built; then mode=real; else mode=mock; fi
fi
case "$mode" in
  real)
    bash "$root/scripts/kube-apiserver.sh" build
    eval "$(bash "$root/scripts/kube-apiserver.sh" start)"
    echo "API server: the real kube-apiserver $KAS_SERVER, with etcd and kube-controller-manager"
    ;;
  mock)
    echo "API server: fabric8's mock API server, because the real kube-apiserver is not built"
    echo "  (bash scripts/kube-apiserver.sh build builds it once, ~15 min; the demo then uses it)."
    echo "  It has no controllers and no kubectl here: this script reads the resources over HTTP."
    ;;
  *) echo "DEMO_API_SERVER: expected real or mock, got \"$mode\"" >&2; exit 1 ;;
esac

work=$(mktemp -d "${TMPDIR:-/tmp}/dbt-operator-demo.XXXXXX")
local_pid=
cleanup() {
  if [ -n "$local_pid" ]; then kill "$local_pid" 2>/dev/null || true; wait "$local_pid" 2>/dev/null || true; fi
  if [ "$mode" = real ]; then bash "$root/scripts/kube-apiserver.sh" stop >/dev/null 2>&1 || true; fi
  echo "demo files kept in $work"
}
trap cleanup EXIT
step() { printf '\n==> %s\n' "$*"; }
k() { "$KUBECTL" -n demo "$@"; }
api=
# A resource of the dbtoperator.io API in namespace demo as JSON, from either server.
get() {
  if [ "$mode" = real ]; then
    "$KUBECTL" get --raw "/apis/dbtoperator.io/v1alpha1/namespaces/demo/$1"
  else
    curl -sf "$api/apis/dbtoperator.io/v1alpha1/namespaces/demo/$1"
  fi
}
# Waits until a python expression over the resource (as d) prints the expected value.
wait_for() {
  local path=$1 expr=$2 expected=$3 timeout=$4 t0=$SECONDS value
  while :; do
    value=$(get "$path" 2>/dev/null | "$python" -c "import json,sys; d=json.load(sys.stdin); print($expr)" 2>/dev/null || true)
    [ "$value" = "$expected" ] && return 0
    if [ $((SECONDS - t0)) -ge "$timeout" ]; then
      echo "timed out after ${timeout}s waiting for $path: $expr == $expected (is: $value)" >&2
      return 1
    fi
    sleep 1
  done
}
show_schemas() {
  if [ "$mode" = real ]; then k get dbtschemas; return; fi
  get dbtschemas | "$python" -c '
import json, sys
rows = [("NAME", "SCHEMA", "LIVE", "LAST-REFRESH", "NEXT-DUE", "PHASE")]
for d in json.load(sys.stdin)["items"]:
    s = d.get("status") or {}
    rows.append((d["metadata"]["name"], d["spec"]["schema"], s.get("liveCommitShort", ""),
                 s.get("lastRefresh", ""), s.get("nextDue", ""), s.get("phase", "")))
for r in rows:
    print("".join(c.ljust(w) for c, w in zip(r, (23, 11, 9, 22, 22, 10))))'
}

repo="$work/repo"
mkdir -p "$repo"
cp -r "$root/examples/shop/." "$repo/"
git -C "$repo" init --quiet --initial-branch main
commit() {
  git -C "$repo" add -A
  git -C "$repo" -c user.name=demo -c user.email=demo@example.invalid commit --quiet -m "$1"
  git -C "$repo" rev-parse HEAD
}
c1=$(commit "shop v1")

step "dbt-operator local: operator, local kubelet, embedded PostgreSQL; DbtProject demo/shop follows main ($c1)"
java -jar "$jar" local --api-server "$([ "$mode" = real ] && echo kubeconfig || echo mock)" \
  --repo "$repo" --name shop --namespace demo \
  --work "$work/local" --dbt "$root/.venv/bin/dbt" --roles reporter,analyst --clock '*/5 * * * *' &
local_pid=$!
if [ "$mode" = mock ]; then
  until [ -f "$work/local/kubeconfig" ]; do sleep 0.5; done
  api=$(sed -n 's/.*server: "\(http[^"]*\)".*/\1/p' "$work/local/kubeconfig")
fi

wait_for dbtprojects/shop 'd["status"].get("liveCommit")' "$c1" 600
step "first deploy done: the DbtSchemas"
show_schemas

cp -r "$root/examples/changes/v2/." "$repo/"
c2=$(commit "shop v2: orders gain is_completed, analysts may read marts")
step "GitOps: commit ${c2:0:7} on main (orders gain is_completed, analysts may read marts)"
wait_for dbtprojects/shop 'd["status"]["plan"]["to"]' "$c2" 120
get dbtprojects/shop | "$python" -c '
import json, sys
for s in json.load(sys.stdin)["status"]["plan"]["steps"]:
    print(s["schema"], s["action"], s.get("reasons", ""), sep="\t")'
wait_for dbtprojects/shop 'd["status"].get("liveCommit")' "$c2" 600
step "second deploy done"
show_schemas

annotation() {
  get "$1" | "$python" -c "import json,sys; print(json.load(sys.stdin)['metadata'].get('annotations', {}).get('$2', ''))"
}
if [ "$mode" = real ]; then
  step "one clock tick: a Job from the project's CronJob runs dbt-operator trigger"
  k create job shop-tick --from=cronjob/shop-clock >/dev/null
  k wait job/shop-tick --for=condition=Complete --timeout=3m >/dev/null
else
  step "one clock tick: the mock has no CronJob controller, so the CronJob's own command runs here"
  read -r -a tick_args < <(curl -sf "$api/apis/batch/v1/namespaces/demo/cronjobs/shop-clock" | "$python" -c '
import json, sys
print(" ".join(json.load(sys.stdin)["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["args"]))')
  echo "dbt-operator ${tick_args[*]}"
  KUBECONFIG="$work/local/kubeconfig" java -jar "$jar" "${tick_args[@]}" 2>/dev/null
fi
token=$(annotation dbtprojects/shop dbtoperator.io/refresh-requested-at)
wait_for dbtprojects/shop 'd["status"].get("lastHandledRefreshAt")' "$token" 300
echo "tick $token handled (nothing is due right after a deploy: marts refreshes every 6 hours)"

step "a manual refresh of marts: the annotation dbtoperator.io/refresh=<token> on dbtschema shop-marts"
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
if [ "$mode" = real ]; then
  k annotate dbtschema shop-marts dbtoperator.io/refresh="$now" --overwrite >/dev/null
else
  curl -sf -X PATCH -H 'Content-Type: application/merge-patch+json' \
    -d "{\"metadata\":{\"annotations\":{\"dbtoperator.io/refresh\":\"$now\"}}}" \
    "$api/apis/dbtoperator.io/v1alpha1/namespaces/demo/dbtschemas/shop-marts" >/dev/null
fi
wait_for dbtschemas/shop-marts 'd["status"].get("lastHandledRefresh")' "$now" 300
show_schemas
if [ "$mode" = real ]; then
  step "kubectl get dbtprojects, and the project's events"
  k get dbtprojects
  k events --for dbtproject/shop | tail -20
else
  step "the project's events"
  curl -sf "$api/apis/events.k8s.io/v1/namespaces/demo/events" | "$python" -c '
import json, sys
events = [e for e in json.load(sys.stdin)["items"] if e["regarding"]["name"] == "shop"]
for e in sorted(events, key=lambda e: e.get("eventTime") or "")[-20:]:
    print(e.get("eventTime", ""), e["type"], e["reason"], e.get("note", ""), sep="  ")'
fi
