#!/usr/bin/env bash
# Builds the operator image with Jib, without a Docker daemon, into operator/target/jib-image.tar
# (`docker load -i`, or push it with crane or skopeo). The base is eclipse-temurin:17-jre;
# IMAGE_BASE=local bases it instead on a Java runtime made from this machine's JDK
# (scripts/image-base.py), for machines that reach no registry. Releases push with jib:build
# (.github/workflows/release.yml). Run `mvn package` (or any build of the classes) first.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
args=()
case "${IMAGE_BASE:-registry}" in
  registry) ;;
  local)
    base="$root/operator/target/image-base.tar"
    [ -f "$base" ] || python3 scripts/image-base.py "$base"
    args+=("-Djib.from.image=tar://$base")
    ;;
  *) echo "IMAGE_BASE: expected registry or local, got \"$IMAGE_BASE\"" >&2; exit 1 ;;
esac
# jib:buildTar alone: the classes are built already, and ITs may be reading target/ meanwhile.
mvn -B -q -pl operator jib:buildTar "${args[@]}"
echo "operator/target/jib-image.tar: $(( $(stat -c %s operator/target/jib-image.tar) / 1048576 )) MiB"
