#!/usr/bin/env bash
# Benchmark: `akscan git --history` on a real repository, against the raw cost of reading
# every object with git itself and (if installed) kingfisher's history scan, in one
# hyperfine run so the figures compare.
#
#   benches/git_history.sh REPO [THREADS]
#
# REPO: a git repository (bare or not), e.g. a clone of rust-lang/cargo (about 34k
# commits, 70k blobs, 1.7 GB of blob bytes). THREADS: default all cores. Nothing is written
# into REPO. Needs hyperfine; kingfisher (pip install kingfisher-bin) and Nosey Parker
# (NOSEYPARKER=BIN) are optional.
set -euo pipefail
repo=${1:?usage: $0 REPO [THREADS]}
threads=${2:-$(nproc)}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${AKSCAN:-$root/target/release/akscan}
if [ -z "${AKSCAN:-}" ]; then (cd "$root" && cargo build --release -q); fi
command -v hyperfine >/dev/null || { echo "hyperfine is not installed" >&2; exit 2; }

echo "repository: $repo"
echo "commits (all refs): $(git -C "$repo" rev-list --all | wc -l)"
git -C "$repo" cat-file --batch-all-objects --batch-check='%(objecttype) %(objectsize)' |
  awk '{n[$1]++; s[$1]+=$2} END {for (t in n) printf "%-6s %8d objects %14d bytes\n", t, n[t], s[t]}'
echo "threads: $threads, load: $(cut -d' ' -f1-3 /proc/loadavg)"

cmds=(
  -n "git cat-file --batch-all-objects --batch (raw read, 1 process)"
  "git -C '$repo' cat-file --batch-all-objects --batch --unordered"
  -n "git log --all --raw -c (paths and commits)"
  "git -C '$repo' log --all --raw -c -z --no-abbrev --no-renames --format=%H"
  -n "akscan git --history -j $threads"
  "'$bin' git --history -C '$repo' -j $threads -q --format json -o /dev/null"
)
if command -v kingfisher >/dev/null && [ -z "${NO_KINGFISHER:-}" ]; then
  cmds+=(
    -n "kingfisher scan --git-history full -j $threads (all its rules, no validation)"
    "kingfisher scan '$repo' --git-history full -j $threads --no-validate -q --format json --output /dev/null; test \$? -ne 1"
  )
fi
# Nosey Parker (praetorian-inc/noseyparker; build it from source, it is on no registry):
# NOSEYPARKER=/path/to/noseyparker or on PATH. Each run starts from an empty datastore,
# which it cannot do without; its report is a separate command, not timed.
np=${NOSEYPARKER:-$(command -v noseyparker || true)}
if [ -n "$np" ] && [ -z "${NO_NOSEYPARKER:-}" ]; then
  ds=$(mktemp -d)/np.ds
  cmds+=(
    -n "noseyparker scan --git-history full -j $threads (all its rules)"
    "rm -rf '$ds' && '$np' scan --datastore '$ds' -j $threads --git-history full --progress never -q '$repo' >/dev/null"
  )
fi
hyperfine --warmup 1 --runs "${RUNS:-5}" --ignore-failure --output pipe \
  --export-markdown "${OUT:-/tmp/akscan-git-history.md}" "${cmds[@]}"
