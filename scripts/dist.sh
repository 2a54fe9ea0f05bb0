#!/usr/bin/env bash
# Builds akscan's release artifacts into target/dist/:
#   akscan-VERSION-py3-none-PLATFORM.whl   a Python wheel that carries the binary
#                                          (pip install it: no Rust toolchain needed)
#   akscan-VERSION-TRIPLE.tar.gz           the same stripped binary, README, licences, changelog
#   SHA256SUMS                             checksums of both (sha256sum -c SHA256SUMS)
# Needs cargo and maturin (python3 -m pip install maturin). Extra maturin flags can be
# passed in MATURIN_ARGS (e.g. "--zig --target aarch64-unknown-linux-gnu").
set -euo pipefail
cd "$(dirname "$0")/.."

out=target/dist
if ! command -v maturin >/dev/null 2>&1; then
  echo "dist.sh: maturin is not installed: python3 -m pip install maturin" >&2
  exit 1
fi
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
triple=$(rustc -vV | sed -n 's/^host: //p')
rm -rf "$out"
mkdir -p "$out"

# 1. the wheel (maturin builds the release binary, strips it, and packs it as a script)
# shellcheck disable=SC2086
maturin build --release --locked --strip --out "$out" ${MATURIN_ARGS:-}

# 2. the tarball: the binary the wheel carries (built and stripped once), with the documents
name="akscan-$version-$triple"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir "$stage/$name"
wheel=$(ls "$out"/akscan-"$version"-*.whl)
python3 - "$wheel" "$stage/$name/akscan" <<'PY'
import sys, zipfile
wheel, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    [member] = [n for n in z.namelist() if n.endswith(".data/scripts/akscan")]
    with z.open(member) as src, open(dest, "wb") as out:
        out.write(src.read())
PY
chmod 755 "$stage/$name/akscan"
cp README.md CHANGELOG.md LICENSE-MIT LICENSE-APACHE "$stage/$name/"
# reproducible: fixed owner, order and times (the last commit's)
when=$(git log -1 --format=%ct 2>/dev/null || date +%s)
tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$when" \
  -cf - "$name" | gzip -n -9 > "$out/$name.tar.gz"

# 3. checksums
(cd "$out" && sha256sum -- *.whl *.tar.gz > SHA256SUMS)
ls -l "$out"
