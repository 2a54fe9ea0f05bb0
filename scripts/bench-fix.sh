#!/bin/sh
# Cost of `akscan fix` against `akscan scan` on the same tree (the labeled corpus copied
# COPIES times), measured in the same run with hyperfine. Needs a release build and
# hyperfine on PATH. Usage: scripts/bench-fix.sh [COPIES] (default 40).
set -eu
copies=${1:-40}
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/target/release/akscan"
[ -x "$bin" ] || { echo "build first: cargo build --release" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
i=1
while [ "$i" -le "$copies" ]; do
    mkdir -p "$work/base"
    cp -r "$root/tests/corpus/files" "$work/base/c$i"
    i=$((i + 1))
done
echo "tree: $(find "$work/base" -type f | wc -l) files"
# the diff (nothing written) against the scan
hyperfine -N --warmup 3 --runs 30 -i \
    "$bin scan $work/base -q -j 2" \
    "$bin fix $work/base -q -j 2"
# --apply (each file written through a temporary file, fsync and rename) on a fresh copy
hyperfine --warmup 1 --runs 10 -i \
    --prepare "rm -rf $work/t && cp -r $work/base $work/t" \
    "$bin scan $work/t -q -j 2" \
    "$bin fix $work/t -q -j 2 --apply"
