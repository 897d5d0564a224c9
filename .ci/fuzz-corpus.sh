#!/usr/bin/env bash
# Fuzzes every target for $1 (default 10s) and copies up to $2 (default 40)
# of the inputs the fuzzer found interesting from the Go cache into the
# package's testdata/fuzz/<Target>/, so that plain `go test` replays them as
# regression seeds. Run by hand; commit what it adds.
set -euo pipefail
cd "$(dirname "$0")/.."
t="${1:-10s}"; keep="${2:-40}"
cache="$(go env GOCACHE)/fuzz"
for dir in $(go list -f '{{.Dir}}' ./... ./examples/...); do
	pkg=$(cd "$dir" && go list .)
	for f in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
		echo "-- $pkg $f"
		(cd "$dir" && go test -run '^$' -fuzz "^$f\$" -fuzztime "$t" . >/dev/null)
		src="$cache/$pkg/$f"
		[ -d "$src" ] || continue
		mkdir -p "$dir/testdata/fuzz/$f"
		ls -S "$src" | tail -n "$keep" | while read -r e; do cp -n "$src/$e" "$dir/testdata/fuzz/$f/"; done
	done
done
