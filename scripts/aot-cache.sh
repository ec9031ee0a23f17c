#!/usr/bin/env bash
# Builds the CLI's AOT cache (JEP 483, 514 and 515: classes loaded and linked ahead of time, with
# the profiles of their methods) beside the jar: operator/target/dbt-operator.aot, and
# dbt-operator.aot.java, the java that made it and the only one that can use it.
# scripts/dbt-operator uses it while it is newer than the jar and that java is there. It needs
# Java 25 or newer: $AOT_JAVA, else $JAVA_HOME's, java on the PATH, or the newest under
# /usr/lib/jvm. Without one it says so and exits 0: the CLI runs as before. The training run is
# io.dbtoperator.cli.AotTraining.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
jar=${DBT_OPERATOR_JAR:-$here/../operator/target/dbt-operator.jar}
if [ ! -f "$jar" ]; then
  echo "aot-cache: $jar not found: build it with 'mvn -B -DskipTests package' or set DBT_OPERATOR_JAR" >&2
  exit 1
fi
jar=$(cd "$(dirname "$jar")" && pwd)/$(basename "$jar")
cache=${jar%.jar}.aot

feature() { # java: its feature release, or 0
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -n 1 | grep -E '^[0-9]+$' || echo 0
}
candidates=()
if [ -n "${AOT_JAVA:-}" ]; then
  if [ ! -x "$AOT_JAVA" ] || [ "$(feature "$AOT_JAVA")" -lt 25 ]; then
    echo "aot-cache: AOT_JAVA=$AOT_JAVA: not a java of version 25 or newer" >&2
    exit 1
  fi
  candidates+=("$AOT_JAVA")
fi
[ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME/bin/java")
command -v java > /dev/null && candidates+=("$(command -v java)")
for dir in /usr/lib/jvm/*/; do
  [ -x "$dir/bin/java" ] && candidates+=("${dir%/}/bin/java")
done
java_bin= best=0
for candidate in ${candidates[@]+"${candidates[@]}"}; do
  [ -x "$candidate" ] || continue
  version=$(feature "$candidate")
  if [ "$version" -ge 25 ] && [ "$version" -gt "$best" ]; then
    java_bin=$(readlink -f "$candidate") best=$version
  fi
  # An explicit $AOT_JAVA wins over the search.
  if [ -n "${AOT_JAVA:-}" ]; then
    break
  fi
done
if [ -z "$java_bin" ]; then
  echo "aot-cache: no Java 25 or newer found (set AOT_JAVA): the CLI runs without an AOT cache" >&2
  rm -f "$cache" "$cache.java"
  exit 0
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/dbt-operator-aot.XXXXXX")
trap 'rm -rf "$work"' EXIT
rm -f "$cache" "$cache.java"
# The options of scripts/dbt-operator's short commands: a cache is used only with the options it
# was made with. The JVM reports the cache's making on stdout: kept for a failure.
# shellcheck source=scripts/cli-jvm-options.sh
. "$here/cli-jvm-options.sh"
if ! "$java_bin" "${cli_jvm_options[@]}" -XX:AOTCacheOutput="$cache" -cp "$jar" \
  io.dbtoperator.cli.AotTraining "$work" > "$work/training.log" 2>&1 || [ ! -f "$cache" ]; then
  echo "aot-cache: the training run with $java_bin made no cache; what it printed:" >&2
  cat "$work/training.log" >&2
  rm -f "$cache"
  exit 1
fi
echo "$java_bin" > "$cache.java"
echo "aot-cache: $cache ($(du -h "$cache" | cut -f1), Java $best: $java_bin); $(grep "^aot training" "$work/training.log")" >&2
