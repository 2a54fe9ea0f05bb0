#!/usr/bin/env bash
# Time and peak memory of the three outputs that see every finding of a file — the JSON
# report, the SARIF report (with its fixes) and the fix diff — on one Python file of N
# AccessKey IDs, one per line, for N = 10k, 40k, 400k (or the N given). With OTHER=BIN,
# another build runs the same commands in turn, for a ratio on the same load.
#   benches/findings_dense.sh [AKSCAN_BIN] [N...]
# A file of more findings than --max-findings-per-file is capped: the script lifts the cap
# (on builds that have it).
set -euo pipefail
bin=${1:-target/release/akscan}
shift || true
sizes=("${@:-10000 40000 400000}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run() { # label bin n what args...
    local label=$1 b=$2 n=$3 what=$4
    shift 4
    local t
    t=$( { /usr/bin/time -f '%e %M' "$b" "$@" >/dev/null 2>/dev/null; } 2>&1 | tail -1 || true)
    printf '%-8s %8s %-6s %8s s %10s KB\n' "$label" "$n" "$what" ${t}
}
for n in ${sizes[*]}; do
    mkdir -p "$work/$n"
    python3 - "$n" "$work/$n/keys.py" <<'PY'
import random, string, sys
n, path = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(1)
a = string.ascii_letters + string.digits
with open(path, "w") as f:
    for i in range(n):
        f.write(f'ak{i} = "LTAI5t{"".join(rnd.choice(a) for _ in range(18))}"\n')
PY
    for pair in "akscan=$bin" ${OTHER:+"other=$OTHER"}; do
        label=${pair%%=*} b=$(realpath "${pair#*=}")
        cap=()
        "$b" scan --help | grep -q max-findings-per-file && cap=(--max-findings-per-file 0)
        (cd "$work/$n" && run "$label" "$b" "$n" json scan . --no-config -j1 --format json "${cap[@]}")
        (cd "$work/$n" && run "$label" "$b" "$n" sarif scan . --no-config -j1 --format sarif "${cap[@]}")
        (cd "$work/$n" && run "$label" "$b" "$n" fix fix . --no-config -j1 "${cap[@]}")
    done
done
