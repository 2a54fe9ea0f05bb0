#!/usr/bin/env bash
# Runs every fuzz target for a bounded time (default 60 s each) with cargo-fuzz (nightly).
#   fuzz/run.sh [SECONDS]
# Crashes land in fuzz/artifacts/<target>/; turn each into a regression test in
# tests/it/properties.rs (or a unit test next to the code) before fixing it.
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-60}"
command -v cargo-fuzz >/dev/null || { echo "install cargo-fuzz: cargo install cargo-fuzz" >&2; exit 2; }
mkdir -p corpus/detect
# seed the detector with the labeled corpora
cp -n ../tests/corpus/files/*/* corpus/detect/ 2>/dev/null || true
for t in detect neutralise decode rules config; do
  echo "== $t ($secs s)"
  cargo +nightly fuzz run "$t" -- -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 2>&1 | grep -E "^(#[0-9]+.*DONE|Done|==[0-9]+==|SUMMARY|stat::)|panicked|ERROR" || true
done
