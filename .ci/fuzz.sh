#!/usr/bin/env bash
# Runs every Fuzz target of both modules for a short time each ($1, e.g. 3s).
set -euo pipefail
cd "$(dirname "$0")/.."
t="${1:-3s}"
n=0
for dir in $(go list -f '{{.Dir}}' ./... ./examples/...); do
	pkg=$(cd "$dir" && go list .)
	for f in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
		echo "-- $pkg $f ($t)"
		(cd "$dir" && go test -run '^$' -fuzz "^$f\$" -fuzztime "$t" . >/tmp/fuzz.out 2>&1) || { cat /tmp/fuzz.out; exit 1; }
		n=$((n+1))
	done
done
echo "$n fuzz targets ran"
