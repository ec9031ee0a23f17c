#!/usr/bin/env bash
# Operator benchmark: 100 DbtProjects with 20 schemas each (2,000 DbtSchemas) on a real
# kube-apiserver, every schema live and due for a refresh, and one clock tick on every project at
# once. Prints the time until every due run's build pod exists, the operator's API requests per due
# schema (from the API server's audit log of the operator's own user), the operator's heap after a
# GC and, with PROFILE=1, where its reconciler threads spend the time. It prints figures; it is not
# a test. See docs/benchmarks.md.
#
#   bash bench/reconcile.sh                                  # 100 x 20
#   PROJECTS=10 SCHEMAS_PER_PROJECT=20 bash bench/reconcile.sh   # a quick check
#
# Environment: PROJECTS (100), SCHEMAS_PER_PROJECT (20), MODELS_PER_SCHEMA (3), JAR
# (operator/target/dbt-operator.jar, built if missing), DBT (.venv/bin/dbt, parses the generated
# project once), OPERATOR_JAVA_OPTS (JVM options of the operator process), KEEP_WORK=1 (keep the
# work directory: operator log, audit log), PROFILE=1 (also sample the operator's reconciler
# threads with jcmd Thread.print while the runs launch; slows the launch, so time it without).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
projects=${PROJECTS:-100}
schemas=${SCHEMAS_PER_PROJECT:-20}
models=${MODELS_PER_SCHEMA:-3}
jar=${JAR:-$root/operator/target/dbt-operator.jar}
dbt=${DBT:-$root/.venv/bin/dbt}
die() { echo "bench/reconcile.sh: $*" >&2; exit 1; }
[ -x "$dbt" ] || die "no dbt at $dbt: run scripts/setup.sh (or set DBT)"
command -v jcmd >/dev/null || die "jcmd (from the JDK) is not on PATH"
[ -f "$jar" ] || (cd "$root" && mvn -B -o -q package -DskipTests -pl operator)

work=$(mktemp -d "${TMPDIR:-/tmp}/dbt-operator-reconcile.XXXXXX")
KAS_DIR=
cleanup() {
  if [ -n "$KAS_DIR" ]; then bash "$root/scripts/kube-apiserver.sh" stop "$KAS_DIR" || true; fi
  if [ "${KEEP_WORK:-}" = 1 ]; then echo "work directory kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

# --- a dbt project: independent schemas of a few models each, refreshed hourly ----------------
# Independent, so that every due run can start in the tick: a schema that reads another waits for
# that one's build to finish, and here no kubelet runs builds.
repo="$work/repo"
mkdir -p "$repo/models" "$repo/macros"
cat > "$repo/dbt_project.yml" <<'EOF'
name: bench
version: "1.0.0"
config-version: 2
profile: bench
model-paths: ["models"]
macro-paths: ["macros"]
EOF
cp "$root/examples/shop/macros/generate_schema_name.sql" "$repo/macros/"
printf 'refresh: {every: PT1H}\n' > "$repo/dbt-operator.yml"
for s in $(seq -f '%03g' 1 "$schemas"); do
  mkdir -p "$repo/models/s$s"
  printf "{{ config(schema='s%s', materialized='table') }}\nselect 1 as id\n" "$s" > "$repo/models/s$s/s${s}_m1.sql"
  for m in $(seq 2 "$models"); do
    printf "{{ config(schema='s%s', materialized='view') }}\nselect id from {{ ref('s%s_m%d') }}\n" \
      "$s" "$s" $((m - 1)) > "$repo/models/s$s/s${s}_m$m.sql"
  done
done
git -C "$repo" init -q --initial-branch main
git -C "$repo" add -A
git -C "$repo" -c user.name=bench -c user.email=bench@example.invalid commit -qm bench
commit=$(git -C "$repo" rev-parse HEAD)

# dbt parse reads the profile but does not connect.
mkdir -p "$work/profiles"
cat > "$work/profiles/profiles.yml" <<'EOF'
bench:
  target: bench
  outputs:
    bench: {type: postgres, host: localhost, port: 5432, user: dbt, password: unused, dbname: bench, schema: public, threads: 1}
EOF
DBT_SEND_ANONYMOUS_USAGE_STATS=false "$dbt" parse --project-dir "$repo" --profiles-dir "$work/profiles" \
  --target-path "$work/target" --log-path "$work/dbt-logs" > "$work/dbt-parse.log" 2>&1 \
  || { tail -20 "$work/dbt-parse.log" >&2; die "dbt parse failed"; }

# --- the control plane, with an audit log of the operator's user only --------------------------
# One event when a request arrives and one when it ends; leader-election Lease renewals (one every
# few seconds, whatever the load) are left out so that "quiet" means quiet.
cat > "$work/audit-policy.yaml" <<'EOF'
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [ResponseStarted]
rules:
  - level: None
    resources: [{group: coordination.k8s.io, resources: [leases]}]
  - level: Metadata
    users: [dbt-operator]
  - level: None
EOF
export KAS_APISERVER_ARGS="--audit-policy-file=$work/audit-policy.yaml --audit-log-path=$work/audit.log --audit-log-maxsize=100000"
eval "$(bash "$root/scripts/kube-apiserver.sh" start)"
"$KUBECTL" apply -f "$root/crds" > /dev/null
"$KUBECTL" wait --for=condition=Established crd --all --timeout=60s > /dev/null

# The operator's own client certificate (user dbt-operator, group system:masters), so that the
# audit log tells its requests from the benchmark's.
(
  cd "$KAS_DIR"
  printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n' > operator.ext
  openssl req -newkey rsa:2048 -nodes -keyout operator.key -out operator.csr \
    -subj /O=system:masters/CN=dbt-operator 2>/dev/null
  openssl x509 -req -in operator.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 \
    -extfile operator.ext -out operator.crt 2>/dev/null
  umask 077
  cat > "$work/operator.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster: {server: "$KAS_SERVER", certificate-authority-data: $(base64 -w0 ca.crt)}
users:
- name: dbt-operator
  user: {client-certificate-data: $(base64 -w0 operator.crt), client-key-data: $(base64 -w0 operator.key)}
contexts:
- name: local
  context: {cluster: local, user: dbt-operator}
current-context: local
EOF
)

# Which process the cores go to during the launch: the control plane's, by the pids it recorded.
cpu_pids=""
for name in kube-apiserver etcd; do
  [ -f "$KAS_DIR/$name.pid" ] && cpu_pids="$cpu_pids${cpu_pids:+,}$name=$(cat "$KAS_DIR/$name.pid")"
done
export BENCH_CPU_PIDS=$cpu_pids
echo "projects: $projects  schemas/project: $schemas  models/schema: $models  cpus: $(nproc)  java: $(java -version 2>&1 | head -n 1)"
# shellcheck disable=SC2086 # OPERATOR_JAVA_OPTS is a list of options
java -cp "$jar" io.dbtoperator.cli.ReconcileBenchmark "$work" "$repo" "$commit" \
  "$work/target/manifest.json" "$repo/dbt-operator.yml" "$projects" "$work/operator.kubeconfig" \
  "$work/audit.log" "$jar" ${OPERATOR_JAVA_OPTS:-}
