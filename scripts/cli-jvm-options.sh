# shellcheck shell=bash
# The JVM options of the CLI's short commands, sourced by scripts/dbt-operator and by
# scripts/aot-cache.sh: an AOT cache is used only with the options it was made with.
# - C1 alone: a profile of a cold plan found C2's compilation the largest cost (docs/benchmarks.md,
#   "Cold plan profile").
# - The serial collector: a command lives for a second on a few hundred MB, and G1's concurrent
#   threads and barriers cost more CPU than its pauses save ("Fourth round").
# - The class path and main class rather than -jar: the launcher opens a jar given with -jar to
#   read its manifest, then the class loader opens it again, and each opening of the 80,000-entry
#   jar cost 25-30 ms. The manifest's Add-Opens (for the Arrow in snowflake-jdbc) is then given
#   here, as the option.
cli_jvm_options=(
  -XX:TieredStopAtLevel=1
  -XX:+UseSerialGC
  --add-opens=java.base/java.nio=ALL-UNNAMED
)
cli_main_class=io.dbtoperator.cli.Main
