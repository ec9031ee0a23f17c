#!/usr/bin/env bash
# A real Kubernetes control plane on loopback for the integration tests and the local demo:
# etcd, kube-apiserver (RBAC on) and a kube-controller-manager running only the controllers that
# need no nodes. There is no scheduler and no kubelet: io.dbtoperator.local.LocalKubelet binds the
# pods and runs them as local processes.
#
#   scripts/kube-apiserver.sh build          # build what is missing into the cache; stdout stays empty
#   scripts/kube-apiserver.sh built          # exit 0 when the cache has everything start needs
#   eval "$(scripts/kube-apiserver.sh start)" # sets and exports KUBECONFIG, KAS_DIR, KAS_SERVER, KUBECTL
#   scripts/kube-apiserver.sh stop [DIR]     # stops the control plane in DIR (default: $KAS_DIR)
#
# The binaries come from the Go module proxy, built once (needs Go 1.24+; ~15 min on 2 cores):
# k8s.io/kubernetes (kube-apiserver, kube-controller-manager, kubectl) and, unless etcd is on PATH,
# go.etcd.io/etcd/server/v3. Only KEY=VALUE lines go to stdout; progress goes to stderr.
#
# Environment: KAS_K8S_VERSION (v1.34.4), KAS_ETCD_VERSION (v3.6.16), KAS_CACHE
# ($HOME/.cache/dbt-operator/kube), GOMAXPROCS (2), KAS_APISERVER_ARGS (more kube-apiserver flags,
# split on spaces, e.g. the audit log bench/reconcile.sh counts the operator's requests with).
set -euo pipefail

K8S_VERSION=${KAS_K8S_VERSION:-v1.34.4}
ETCD_VERSION=${KAS_ETCD_VERSION:-v3.6.16}
CACHE=${KAS_CACHE:-$HOME/.cache/dbt-operator/kube}
K8S_BIN=$CACHE/k8s-$K8S_VERSION
K8S_BINARIES="kube-apiserver kube-controller-manager kubectl"
CONTROLLERS=namespace-controller,garbage-collector-controller,job-controller,cronjob-controller
CONTROLLERS=$CONTROLLERS,serviceaccount-controller,serviceaccount-token-controller
CONTROLLERS=$CONTROLLERS,root-ca-certificate-publisher-controller,ttl-after-finished-controller
CONTROLLERS=$CONTROLLERS,deployment-controller,replicaset-controller
export GOMAXPROCS=${GOMAXPROCS:-2}

log() { echo "[kube-apiserver.sh] $*" >&2; }
die() { echo "[kube-apiserver.sh] error: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 is not on PATH${2:+ ($2)}"; }

# ------------------------------------------------------------------------------------ build ---

# k8s.io/kubernetes requires its staging modules (k8s.io/api, k8s.io/client-go, ...) at v0.0.0
# and replaces them with ./staging/..., which a module download does not have; a wrapper module
# maps each one to its published v0.X.Y instead.
write_k8s_wrapper() {
  local dir=$1 gomod minor
  gomod=$(cd "$dir" && go mod download -json "k8s.io/kubernetes@$K8S_VERSION" \
    | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')
  [ -f "$gomod" ] || die "could not download k8s.io/kubernetes@$K8S_VERSION from the module proxy"
  minor=${K8S_VERSION#v1.}
  {
    printf 'module kubewrap\n\n%s\n\n' "$(grep -m1 '^go ' "$gomod")"
    grep -m1 '^godebug ' "$gomod" && echo
    printf 'require k8s.io/kubernetes %s\n\nreplace (\n' "$K8S_VERSION"
    grep -oE '^[[:space:]]+k8s\.io/[a-z0-9-]+ => \./staging/' "$gomod" \
      | awk -v v="v0.$minor" '{print "\t" $1 " => " $1 " " v}'
    echo ")"
  } >"$dir/go.mod"
}

build_k8s() {
  local missing="" b dir pkgs="" t0 ldflags v=k8s.io/component-base/version minor=${K8S_VERSION#v1.}
  for b in $K8S_BINARIES; do [ -x "$K8S_BIN/$b" ] || missing="$missing $b"; done
  [ -z "$missing" ] && return 0
  need go "Go 1.24+ builds the Kubernetes binaries"
  dir=$(mktemp -d "${TMPDIR:-/tmp}/kube-build.XXXXXX")
  log "building$missing $K8S_VERSION into $K8S_BIN (several minutes)"
  t0=$(date +%s)
  write_k8s_wrapper "$dir"
  {
    printf '//go:build tools\n\npackage kubewrap\n\nimport (\n'
    for b in $missing; do printf '\t_ "k8s.io/kubernetes/cmd/%s"\n' "$b"; done
    echo ")"
  } >"$dir/tools.go"
  for b in $missing; do pkgs="$pkgs k8s.io/kubernetes/cmd/$b"; done
  # the version the binaries report; kubectl warns about a skewed server otherwise
  ldflags="-s -w -X $v.gitVersion=$K8S_VERSION -X $v.gitMajor=1 -X $v.gitMinor=${minor%%.*}"
  ldflags="$ldflags -X $v.gitTreeState=clean -X $v.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  (cd "$dir" && nice -n 19 go mod tidy >&2)
  mkdir -p "$dir/bin" "$K8S_BIN"
  # shellcheck disable=SC2086
  (cd "$dir" && nice -n 19 go build -trimpath -ldflags "$ldflags" -o "$dir/bin/" $pkgs >&2)
  for b in $missing; do mv -f "$dir/bin/$b" "$K8S_BIN/$b"; done
  rm -rf "$dir"
  log "built$missing in $(($(date +%s) - t0))s"
}

etcd_binary() {
  if command -v etcd >/dev/null 2>&1; then command -v etcd; else echo "$CACHE/etcd-$ETCD_VERSION/etcd"; fi
}

build_etcd() {
  local out dir t0
  out=$(etcd_binary)
  [ -x "$out" ] && return 0
  need go "Go builds etcd when it is not on PATH"
  dir=$(mktemp -d "${TMPDIR:-/tmp}/etcd-build.XXXXXX")
  log "building etcd $ETCD_VERSION into $out"
  t0=$(date +%s)
  printf 'module etcdwrap\n\ngo 1.24.0\n\nrequire go.etcd.io/etcd/server/v3 %s\n' "$ETCD_VERSION" >"$dir/go.mod"
  printf '//go:build tools\n\npackage etcdwrap\n\nimport _ "go.etcd.io/etcd/server/v3"\n' >"$dir/tools.go"
  (cd "$dir" && nice -n 19 go mod tidy >&2 &&
    nice -n 19 go build -trimpath -ldflags "-s -w" -o "$dir/etcd" go.etcd.io/etcd/server/v3 >&2)
  mkdir -p "$(dirname "$out")" && mv -f "$dir/etcd" "$out" && rm -rf "$dir"
  log "built etcd in $(($(date +%s) - t0))s"
}

build() {
  mkdir -p "$CACHE"
  # one build at a time per cache: a second caller waits, then finds the binaries
  exec 9>"$CACHE/.build.lock"
  flock 9
  build_k8s
  build_etcd
  flock -u 9
  exec 9>&-
}

# ------------------------------------------------------------------------------------ start ---

free_ports() {
  python3 - "$1" <<'EOF'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

# sign NAME SUBJECT EXTENSIONS: a key and a certificate signed by the CA in the current directory
sign() {
  printf '%s\n' basicConstraints=CA:FALSE keyUsage=digitalSignature,keyEncipherment "$3" >"$1.ext"
  openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
  openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 \
    -extfile "$1.ext" -out "$1.crt" 2>/dev/null
}

certificates() {
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 30 \
    -subj /CN=dbt-operator-local-ca 2>/dev/null
  sign apiserver /CN=kube-apiserver "extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,IP:10.0.0.1"
  sign admin /O=system:masters/CN=admin extendedKeyUsage=clientAuth
  openssl genrsa -out sa.key 2048 2>/dev/null
  openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  chmod 600 ./*.key
}

kubeconfig() {
  cat >kubeconfig <<EOF
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: $1
    certificate-authority-data: $(base64 -w0 ca.crt)
users:
- name: admin
  user:
    client-certificate-data: $(base64 -w0 admin.crt)
    client-key-data: $(base64 -w0 admin.key)
contexts:
- name: local
  context: {cluster: local, user: admin}
current-context: local
EOF
  chmod 600 kubeconfig
}

# wait_for NAME SECONDS COMMAND...: until COMMAND succeeds, failing when NAME's process exits
wait_for() {
  local name=$1 deadline=$(($(date +%s) + $2))
  shift 2
  until "$@" >/dev/null 2>&1; do
    kill -0 "$(cat "$name.pid")" 2>/dev/null || { tail -20 "$name.log" >&2; die "$name exited (log: $PWD/$name.log)"; }
    [ "$(date +%s)" -lt "$deadline" ] || die "$name not ready in time (log: $PWD/$name.log)"
    sleep 0.1
  done
}

# each component in its own session, so that stop can end it with its children
launch() {
  local name=$1
  shift
  setsid "$@" >"$name.log" 2>&1 </dev/null &
  echo $! >"$name.pid"
}

admin_curl() { curl -sf --cacert ca.crt --cert admin.crt --key admin.key "$@"; }

start() {
  build
  need openssl
  need curl
  need python3
  local dir etcd_port peer_port api_port server t0
  dir=$(mktemp -d "${TMPDIR:-/tmp}/kube-apiserver.XXXXXX")
  cd "$dir"
  t0=$(date +%s)
  read -r etcd_port peer_port api_port <<<"$(free_ports 3)"
  server=https://127.0.0.1:$api_port
  certificates
  kubeconfig "$server"

  log "etcd on 127.0.0.1:$etcd_port, control plane in $dir"
  launch etcd "$(etcd_binary)" --name local --data-dir etcd-data \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "local=http://127.0.0.1:$peer_port" \
    --quota-backend-bytes=2147483648
  wait_for etcd 30 curl -sf "http://127.0.0.1:$etcd_port/health"

  log "kube-apiserver $K8S_VERSION on $server"
  # no kubelet CA: the apiserver reaches LocalKubelet's self-signed HTTPS endpoint for logs
  # shellcheck disable=SC2086 # KAS_APISERVER_ARGS is a list of flags
  launch kube-apiserver "$K8S_BIN/kube-apiserver" \
    --etcd-servers="http://127.0.0.1:$etcd_port" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$api_port" \
    --tls-cert-file=apiserver.crt --tls-private-key-file=apiserver.key --client-ca-file=ca.crt \
    --service-account-key-file=sa.pub --service-account-signing-key-file=sa.key \
    --service-account-issuer=https://kubernetes.default.svc \
    --service-cluster-ip-range=10.0.0.0/24 --endpoint-reconciler-type=none \
    --authorization-mode=RBAC --kubelet-preferred-address-types=InternalIP \
    --allow-privileged=true --profiling=false ${KAS_APISERVER_ARGS:-}
  wait_for kube-apiserver 120 admin_curl "$server/readyz"

  log "kube-controller-manager"
  launch kube-controller-manager "$K8S_BIN/kube-controller-manager" --kubeconfig=kubeconfig \
    --leader-elect=false --secure-port=0 --controllers="$CONTROLLERS" \
    --service-account-private-key-file=sa.key --root-ca-file=ca.crt \
    --use-service-account-credentials=false
  wait_for kube-controller-manager 60 \
    admin_curl "$server/api/v1/namespaces/default/serviceaccounts/default"
  log "ready in $(($(date +%s) - t0))s"

  echo "KAS_DIR=$dir"
  echo "KUBECONFIG=$dir/kubeconfig"
  echo "KAS_SERVER=$server"
  echo "KUBECTL=$K8S_BIN/kubectl"
  echo "export KAS_DIR KUBECONFIG KAS_SERVER KUBECTL"
}

# ------------------------------------------------------------------------------------- stop ---

stop() {
  local dir=${1:-${KAS_DIR:-}} name pid
  [ -n "$dir" ] || die "stop needs the control plane's directory (argument or KAS_DIR)"
  [ -f "$dir/kubeconfig" ] || die "$dir is not a control plane directory"
  for name in kube-controller-manager kube-apiserver etcd; do
    [ -f "$dir/$name.pid" ] || continue
    pid=$(cat "$dir/$name.pid")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM -- "-$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL -- "-$pid" 2>/dev/null || true
      log "stopped $name ($pid)"
    fi
  done
  rm -rf "$dir"
}

# Exit 0 when everything start needs is already built.
built() {
  local b
  for b in $K8S_BINARIES; do [ -x "$K8S_BIN/$b" ] || return 1; done
  [ -x "$(etcd_binary)" ]
}

case "${1:-}" in
  build) build ;;
  built) built ;;
  start) start ;;
  stop) stop "${2:-}" ;;
  *) die "usage: $0 build | built | start | stop [DIR]" ;;
esac
