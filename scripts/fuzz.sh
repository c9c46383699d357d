#!/usr/bin/env bash
# Runs every Go fuzz target of the module for a bounded time each.
# Usage: scripts/fuzz.sh [DURATION]   (default 10s per target)
set -euo pipefail
cd "$(dirname "$0")/.."
time_per_target=${1:-10s}
status=0
while IFS=: read -r file _ line; do
  pkg="./$(dirname "$file")"
  name=$(sed -E 's/^func (Fuzz[A-Za-z0-9_]*).*/\1/' <<<"$line")
  echo "-- fuzz $pkg $name ($time_per_target)"
  if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "$time_per_target" "$pkg"; then
    status=1
  fi
done < <(grep -rn --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]*\(' internal)
exit $status
