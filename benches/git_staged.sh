#!/usr/bin/env bash
# Benchmark: `akscan git --staged` (the pre-commit hook) in a generated repository of
# FILES tracked files (default 100000) with a staged change to 10 of them, against
# `git diff --cached --raw` (what git itself needs to list the change) in the same run.
# Target: well under 100 ms.
#
#   benches/git_staged.sh [FILES] [WORKDIR]
set -euo pipefail
files=${1:-100000}
work=${2:-/tmp/akscan-staged-bench}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${AKSCAN:-$root/target/release/akscan}
if [ -z "${AKSCAN:-}" ]; then (cd "$root" && cargo build --release -q); fi
command -v hyperfine >/dev/null || { echo "hyperfine is not installed" >&2; exit 2; }

repo="$work/repo-$files"
if [ ! -d "$repo/.git" ]; then
  rm -rf "$repo"; mkdir -p "$repo"
  python3 - "$repo" "$files" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(root, f"pkg{i // 1000:03d}", f"mod{(i // 100) % 10}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"file{i}.py"), "w") as f:
        f.write(f"# module {i}\n\ndef handler_{i}(event):\n    return {{'id': {i}, 'ok': True}}\n" * 5)
PY
  git -C "$repo" init -q -b main
  git -C "$repo" -c user.name=bench -c user.email=bench@example.com add -A
  git -C "$repo" -c user.name=bench -c user.email=bench@example.com commit -q -m "generated"
fi
# a 10-file change, staged: edits to 9 files and a new one (with a credential-looking line)
git -C "$repo" reset -q --hard
git -C "$repo" clean -qfd
for i in 1 7 42 99 512 1234 5678 9999 31337; do
  f=$(git -C "$repo" ls-files | sed -n "$((i % files + 1))p")
  printf '\ndef extra():\n    return 1\n' >> "$repo/$f"
done
printf 'import os\nregion = "cn-hangzhou"\nkey = os.environ["ALIBABA_CLOUD_ACCESS_KEY_ID"]\n' > "$repo/new_module.py"
git -C "$repo" add -A
echo "tracked files: $(git -C "$repo" ls-files | wc -l), staged: $(git -C "$repo" diff --cached --name-only | wc -l)"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"

hyperfine --warmup 3 --runs "${RUNS:-30}" -N --output pipe \
  --export-markdown "${OUT:-/tmp/akscan-git-staged.md}" \
  -n "git diff --cached --raw (git's own cost)" "git -C $repo diff --cached --raw -z --no-abbrev -M" \
  -n "akscan git --staged" "$bin git --staged -C $repo -q"
