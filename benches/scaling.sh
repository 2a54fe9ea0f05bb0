#!/usr/bin/env bash
# Thread scaling and size linearity of akscan, with ripgrep timed alongside.
#
#   benches/scaling.sh threads DIR [MAX_THREADS]   1, 2, 4... threads (up to all cores or
#                                                  MAX_THREADS) on one tree
#   benches/scaling.sh size [BASE]                 synthetic corpora of BASE, 2×BASE and
#                                                  4×BASE bytes (default 100M), all cores
#
# Each point is one hyperfine run of both tools (median of -r runs, default 5), so the
# ratio is measured under the same load. Needs what compare.sh needs; run it first (it
# builds target/release/akscan).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
akscan="$(dirname "$here")/target/release/akscan"
runs="${RUNS:-5}"
[ -x "$akscan" ] || { echo "scaling.sh: build first (cargo build --release)" >&2; exit 2; }
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

# point DIR THREADS -> "rg_median akscan_median"
point() {
  local dir="$1" j="$2"
  hyperfine -N -i --style none --warmup 1 --runs "$runs" --export-json "$out/p.json" \
    "rg --hidden -c 'LTAI[A-Za-z0-9]{12,20}' -j $j $dir" \
    "$akscan scan -q --format json -o $out/f.json -j $j $dir" >/dev/null 2>&1
  python3 -c "import json,sys; r=json.load(open('$out/p.json'))['results']; print(r[0]['median'], r[1]['median'])"
}

mode="${1:-}"
case "$mode" in
  threads)
    dir="${2:?DIR}"; max="${3:-$(nproc)}"
    echo "thread scaling on $dir ($(du -sb --apparent-size "$dir" | cut -f1 | awk '{printf "%d MiB", $1/1048576}')), load $(cut -d' ' -f1-3 /proc/loadavg)"
    printf "%8s %10s %10s %8s %10s\n" threads rg_s akscan_s ratio speedup
    j=1; base=""
    while [ "$j" -le "$max" ]; do
      read -r rg ak < <(point "$dir" "$j")
      [ -z "$base" ] && base="$ak"
      python3 -c "print(f'{$j:>8} {$rg:>10.3f} {$ak:>10.3f} {$ak/$rg:>8.2f} {$base/$ak:>10.2f}')"
      j=$((j * 2))
    done
    ;;
  size)
    base="${2:-100M}"
    num="${base%[KMG]}"; unit="${base#$num}"
    echo "size linearity (all cores), load $(cut -d' ' -f1-3 /proc/loadavg)"
    printf "%8s %10s %10s %8s %12s\n" size rg_s akscan_s ratio akscan_MB/s
    for k in 1 2 4; do
      size="$((num * k))$unit"
      dir="${TMPDIR:-/tmp}/akscan-corpus-$size-k50"
      [ -f "$dir.manifest.json" ] || { rm -rf "$dir"; python3 "$here/gen_corpus.py" generate --out "$dir" --size "$size" --keys 50 >/dev/null; }
      bytes=$(du -sb --apparent-size "$dir" | cut -f1)
      read -r rg ak < <(point "$dir" "$(nproc)")
      python3 -c "print(f'{\"$size\":>8} {$rg:>10.3f} {$ak:>10.3f} {$ak/$rg:>8.2f} {$bytes/$ak/1e6:>12.0f}')"
    done
    ;;
  *) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
