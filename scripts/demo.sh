#!/usr/bin/env bash
# The main job on embedded defaults: the operator reconciling the example project.
#
# It starts a real kube-apiserver with etcd and kube-controller-manager on loopback (built once
# from the Go module proxy by scripts/kube-apiserver.sh), then `dbt-operator local`, which runs the
# operator, the local kubelet (pods run as local processes, dbt from .venv), an embedded
# PostgreSQL, SQLite state and local artifacts, and applies a DbtProject that follows the branch
# of a git repository holding examples/shop. Then:
#   1. the first deploy: every schema goes live, in dependency order;
#   2. a GitOps commit on the branch: a new plan, and only the affected schemas rebuild;
#   3. one clock tick, from the project's real CronJob, and a manual refresh of marts;
#   4. kubectl get dbtschemas and the project's events.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"
bash "$root/scripts/kube-apiserver.sh" build
eval "$(bash "$root/scripts/kube-apiserver.sh" start)"

work=$(mktemp -d "${TMPDIR:-/tmp}/dbt-operator-demo.XXXXXX")
local_pid=
cleanup() {
  if [ -n "$local_pid" ]; then kill "$local_pid" 2>/dev/null || true; wait "$local_pid" 2>/dev/null || true; fi
  bash "$root/scripts/kube-apiserver.sh" stop >/dev/null 2>&1 || true
  echo "demo files kept in $work"
}
trap cleanup EXIT
k() { "$KUBECTL" -n demo "$@"; }
step() { printf '\n==> %s\n' "$*"; }

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
java -jar "$root/operator/target/dbt-operator.jar" local --repo "$repo" --name shop --namespace demo \
  --work "$work/local" --dbt "$root/.venv/bin/dbt" --roles reporter,analyst --clock '*/5 * * * *' &
local_pid=$!

until k get dbtproject shop >/dev/null 2>&1; do sleep 1; done
k wait dbtproject/shop --for=jsonpath='{.status.liveCommit}'="$c1" --timeout=10m >/dev/null
step "first deploy done: kubectl get dbtschemas"
k get dbtschemas

cp -r "$root/examples/changes/v2/." "$repo/"
c2=$(commit "shop v2: orders gain is_completed, analysts may read marts")
step "GitOps: commit ${c2:0:7} on main (orders gain is_completed, analysts may read marts)"
k wait dbtproject/shop --for=jsonpath='{.status.plan.to}'="$c2" --timeout=2m >/dev/null
k get dbtproject shop -o jsonpath='{range .status.plan.steps[*]}{.schema}{"\t"}{.action}{"\t"}{.reasons}{"\n"}{end}'
k wait dbtproject/shop --for=jsonpath='{.status.liveCommit}'="$c2" --timeout=10m >/dev/null
step "second deploy done"
k get dbtschemas

step "one clock tick: a Job from the project's CronJob runs dbt-operator trigger"
k create job shop-tick --from=cronjob/shop-clock >/dev/null
k wait job/shop-tick --for=condition=Complete --timeout=3m >/dev/null
token=$(k get dbtproject shop -o jsonpath='{.metadata.annotations.dbtoperator\.io/refresh-requested-at}')
k wait dbtproject/shop --for=jsonpath='{.status.lastHandledRefreshAt}'="$token" --timeout=5m >/dev/null
echo "tick $token handled (nothing is due right after a deploy: marts refreshes every 6 hours)"

step "a manual refresh of marts: kubectl annotate dbtschema shop-marts dbtoperator.io/refresh=..."
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
k annotate dbtschema shop-marts dbtoperator.io/refresh="$now" --overwrite >/dev/null
k wait dbtschema/shop-marts --for=jsonpath='{.status.lastHandledRefresh}'="$now" --timeout=5m >/dev/null
k get dbtschemas
step "kubectl get dbtprojects, and the project's events"
k get dbtprojects
k events --for dbtproject/shop | tail -20
