#!/usr/bin/env bash
# `make test` (what CI runs): the unit tests in the foreground and, beside them, one after the other,
# `make lint`, `make sanity` and `make molecule`, each into .ansible/test-logs/<stage>.log, shown once
# the unit tests end. Why beside: pytest's workers spend about a third of their time waiting (on
# playbooks, polls and the emulator's lag windows), and the checks use those idle cycles instead of
# adding their four minutes after. Every stage runs; the exit status fails when any stage failed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
MAKE=${MAKE:-make}
logs=.ansible/test-logs
rm -rf "$logs"
mkdir -p "$logs"

checks() {
  local status=0 stage rc started
  for stage in lint sanity molecule; do
    started=$SECONDS
    "$MAKE" --no-print-directory "$stage" > "$logs/$stage.log" 2>&1
    rc=$?
    [ "$rc" -eq 0 ] || status=1
    echo "make $stage: exit $rc after $((SECONDS - started)) s" >> "$logs/summary"
  done
  return "$status"
}

checks &
checks_pid=$!
# An interrupted test run stops the checks too, with everything they started.
kill_tree() {
  local child
  for child in $(pgrep -P "$1"); do kill_tree "$child"; done
  kill "$1" 2>/dev/null
}
trap 'kill_tree "$checks_pid"; exit 130' INT TERM

started=$SECONDS
"$MAKE" --no-print-directory unit
unit=$?
echo "make unit: exit $unit after $((SECONDS - started)) s" > "$logs/unit"

wait "$checks_pid"
checks_status=$?
for stage in lint sanity molecule; do
  echo
  echo "=== make $stage (ran beside the unit tests; log $logs/$stage.log) ==="
  cat "$logs/$stage.log"
done
echo
cat "$logs/summary" "$logs/unit"
[ "$unit" -eq 0 ] && [ "$checks_status" -eq 0 ]
