#!/usr/bin/env bash
# akscan vs ripgrep on one tree, same thread count, in one hyperfine run.
#
#   benches/compare.sh [options] DIR          any directory (DIR.manifest.json, if present,
#                                             lists planted keys to check)
#   benches/compare.sh [options] --generate SIZE
#                                             a synthetic corpus from gen_corpus.py
#                                             (cached in $TMPDIR by size and seed)
# Options:
#   -j N            threads for both tools (default: all cores)
#   -r N            timed runs per tool (default 10; medians are reported)
#   --keys N        key pairs to plant with --generate (default 50)
#   --manifest F    manifest of planted keys (default DIR.manifest.json)
#   --others        also time kingfisher, ripsecrets and detect-secrets when installed
#   --no-build      use target/release/akscan as it is
#
# Prints both medians and their ratio, akscan's peak RSS, and checks that akscan found
# every key in the manifest: exits 1 if one is missing. Installs hyperfine, ripgrep and
# GNU time with apt-get when they are missing.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
threads="$(nproc)"
runs=10
keys=50
manifest=""
others=0
build=1
generate=""
dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    -j) threads="$2"; shift 2 ;;
    -r) runs="$2"; shift 2 ;;
    --keys) keys="$2"; shift 2 ;;
    --manifest) manifest="$2"; shift 2 ;;
    --others) others=1; shift ;;
    --no-build) build=0; shift ;;
    --generate) generate="$2"; shift 2 ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "compare.sh: unknown option $1" >&2; exit 2 ;;
    *) dir="$1"; shift ;;
  esac
done

need=()
command -v hyperfine >/dev/null || need+=(hyperfine)
command -v rg >/dev/null || need+=(ripgrep)
[ -x /usr/bin/time ] || need+=(time)
command -v python3 >/dev/null || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "installing ${need[*]}" >&2
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [ -n "$generate" ]; then
  dir="${TMPDIR:-/tmp}/akscan-corpus-$generate-k$keys"
  if [ ! -f "$dir.manifest.json" ]; then
    rm -rf "$dir"
    python3 "$here/gen_corpus.py" generate --out "$dir" --size "$generate" --keys "$keys"
  fi
fi
[ -n "$dir" ] && [ -d "$dir" ] || { echo "compare.sh: give a directory or --generate SIZE" >&2; exit 2; }
dir="${dir%/}"
[ -z "$manifest" ] && [ -f "$dir.manifest.json" ] && manifest="$dir.manifest.json"

if [ "$build" = 1 ]; then
  (cd "$repo" && cargo build --release --quiet)
fi
akscan="$repo/target/release/akscan"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

bytes=$(du -sb --apparent-size "$dir" | cut -f1)
files=$(find "$dir" -type f | wc -l)
echo "tree:    $dir ($((bytes >> 20)) MiB, $files files)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "threads: $threads    runs: $runs"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"

rg_cmd="rg --hidden -c 'LTAI[A-Za-z0-9]{12,20}' -j $threads $dir"
ak_cmd="$akscan scan -q --format json -o $out/findings.json -j $threads $dir"
cmds=("$rg_cmd" "$ak_cmd")
names=(rg akscan)
if [ "$others" = 1 ]; then
  if command -v kingfisher >/dev/null; then
    cmds+=("kingfisher scan --no-update-check -j $threads --format json -o $out/kf.json $dir")
    names+=(kingfisher)
  fi
  if command -v ripsecrets >/dev/null; then
    cmds+=("ripsecrets $dir")
    names+=(ripsecrets)
  fi
  if command -v detect-secrets >/dev/null; then
    cmds+=("detect-secrets scan --all-files $dir")
    names+=(detect-secrets)
  fi
fi

# warm the page cache, then time every tool in one run so load affects them alike
eval "$rg_cmd" >/dev/null 2>&1 || true
hyperfine -N -i --style basic --warmup 1 --runs "$runs" --export-json "$out/h.json" "${cmds[@]}" >"$out/h.log" 2>&1 \
  || { cat "$out/h.log" >&2; exit 2; }
echo "load after:  $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$out/h.json" "${names[@]}" <<'EOF'
import json, sys
res = json.load(open(sys.argv[1]))["results"]
names = sys.argv[2:]
base = res[0]["median"]
print(f"{'tool':<15}{'median s':>10}{'user s':>9}{'sys s':>8}{'× rg':>8}")
for name, r in zip(names, res):
    print(f"{name:<15}{r['median']:>10.3f}{r['user']:>9.3f}{r['system']:>8.3f}{r['median'] / base:>8.2f}")
ak = res[1]["median"]
print(f"ratio akscan/rg (median wall): {ak / base:.3f}")
EOF

/usr/bin/time -v "$akscan" scan -q --format json -o "$out/findings.json" -j "$threads" "$dir" 2>"$out/time.txt" || true
rss=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$out/time.txt")
echo "akscan peak RSS: $((rss / 1024)) MiB"

if [ -n "$manifest" ]; then
  python3 - "$manifest" "$out/findings.json" "$dir" <<'EOF'
import json, sys
manifest, findings, root = sys.argv[1:4]
want = {(p["path"], p["line"], p["kind"]) for p in json.load(open(manifest))["planted"]}
got = set()
for f in json.load(open(findings))["findings"]:
    path = f["path"]
    if path.startswith(root + "/"):
        path = path[len(root) + 1:]
    got.add((path, f["line"], f["kind"]))
missing = sorted(want - got)
print(f"planted keys found: {len(want) - len(missing)}/{len(want)}")
for m in missing[:20]:
    print(f"  MISSING {m[0]}:{m[1]} {m[2]}")
sys.exit(1 if missing else 0)
EOF
else
  echo "no manifest: recall not checked"
fi
