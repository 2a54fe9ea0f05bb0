#!/usr/bin/env python3
"""Deterministic benchmark corpus for akscan.

Two modes, both writing a manifest (JSON) of every planted key:

  generate  Writes a synthetic tree of source-like text in many languages, about
            --size bytes in files of a realistic size spread, and plants --keys
            AccessKey ID/secret pairs in the shape each language uses.
  plant     Plants --keys pairs into an existing tree (a copy of real source, say): text
            files are picked deterministically and a snippet in the file's language is
            inserted between two of its lines.

Same arguments, same bytes. The manifest lists, for every planted value, its path
(relative to the tree), line and kind (access_key_id / access_key_secret) - never the
value itself - and is written outside the tree by default (DIR.manifest.json).

  benches/gen_corpus.py generate --out /tmp/corpus --size 200M --keys 50
  benches/gen_corpus.py plant --tree /work/bench/tree --keys 50
"""

import argparse
import json
import os
import random
import string
import sys

ALNUM = string.ascii_letters + string.digits

WORDS = (
    "value count index buffer result config handler request response client server stream "
    "reader writer parse format options context error status message items length offset "
    "table record session task disk mask risk desk basket user name path file data node tree "
    "list entry state event queue cache lock mutex thread pool worker job region endpoint "
    "bucket object upload download retry timeout limit page token account service instance "
    "policy role group member order price amount currency invoice report metric sample"
).split()

PLACEHOLDERS = ("xxxx", "example", "sample", "dummy", "fake", "placeholder", "your", "test",
                "demo", "mock", "changeme", "replace")


def parse_size(s):
    s = s.strip().upper()
    mult = 1
    for suffix, m in (("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30)):
        if s.endswith(suffix):
            s, mult = s[:-1], m
            break
    return int(float(s) * mult)


def well_formed(s):
    """Random enough to pass akscan's filters: mixed case, digits, no runs of three."""
    if not (any(c.islower() for c in s) and any(c.isupper() for c in s)
            and any(c.isdigit() for c in s)):
        return False
    for a, b, c in zip(s, s[1:], s[2:]):
        if a == b == c or (ord(b) == ord(a) + 1 and ord(c) == ord(b) + 1):
            return False
    low = s.lower()
    return not any(p in low for p in PLACEHOLDERS)


def key_pair(rng):
    while True:
        tail = "".join(rng.choice(ALNUM) for _ in range(rng.choice((16, 20, 20, 20))))
        secret = "".join(rng.choice(ALNUM) for _ in range(30))
        if well_formed(tail) and well_formed(secret):
            return "LTAI" + tail, secret


def ident(rng):
    a, b = rng.choice(WORDS), rng.choice(WORDS)
    k = rng.randrange(5)
    if k == 0:
        return a
    if k == 1:
        return a + "_" + b
    if k == 2:
        return a + b.capitalize()
    if k == 3:
        return a.upper() + "_" + b.upper()
    return a + str(rng.randrange(100))


# Per language: file extension, comment prefix, line templates and the key snippet.
# Templates use {a} {b} {c} (identifiers), {n} (number), {s} (random string).
LANGS = {
    "python": ("py", "#", [
        "def {a}(self, {b}, {c}={n}):",
        "    return self.{a}.get('{b}', {n})",
        "    {a} = {b}({c}, timeout={n})",
        "    if not {a}:\n        raise ValueError('{b} {c}')",
        "import {a}",
        "class {A}({B}):",
    ], 'ALIBABA_CLOUD_ACCESS_KEY_ID = "{id}"\nALIBABA_CLOUD_ACCESS_KEY_SECRET = "{secret}"'),
    "go": ("go", "//", [
        "func ({a} *{B}) {C}(ctx context.Context) error {{",
        "\t{a}, err := {b}.{C}(ctx, {n})",
        "\tif err != nil {{\n\t\treturn fmt.Errorf(\"{b}: %w\", err)\n\t}}",
        "\t{a} := &{B}{{{C}: \"{s}\"}}",
        "}}",
    ], 'client, err := sdk.NewClientWithAccessKey("cn-hangzhou", "{id}", "{secret}")'),
    "java": ("java", "//", [
        "    private final {B} {a} = new {C}();",
        "    public static final int {AU} = {n};",
        "    public {B} get{C}() {{ return this.{a}; }}",
        "        {a}.{b}({c}, \"{s}\");",
        "    }}",
    ], 'DefaultProfile profile = DefaultProfile.getProfile("cn-hangzhou", "{id}", "{secret}");'),
    "javascript": ("js", "//", [
        "const {a} = require('{b}');",
        "  {a}: {{ type: '{b}', default: {n} }},",
        "async function {a}({b}, {c}) {{ return await {b}.{c}({n}); }}",
        "module.exports.{a} = {b};",
    ], "const client = new OSS({{\n  accessKeyId: '{id}',\n  accessKeySecret: '{secret}',\n}});"),
    "typescript": ("ts", "//", [
        "export interface {B} {{ {a}: string; {c}: number; }}",
        "  private {a}: {B} = new {C}();",
        "export const {AU} = {n};",
    ], "const config = {{ accessKeyId: \"{id}\", accessKeySecret: \"{secret}\" }};"),
    "rust": ("rs", "//", [
        "    let {a} = {b}.{c}({n})?;",
        "pub fn {a}(&self, {b}: usize) -> Result<{B}, Error> {{",
        "    if {a} > {n} {{ return Err(Error::new(\"{b}\")); }}",
        "impl {B} for {C} {{}}",
    ], 'let access_key_id = "{id}";\nlet access_key_secret = "{secret}";'),
    "c": ("c", "//", [
        "static int {a}(struct {b} *{c}, size_t n) {{ return n * {n}; }}",
        "#define {AU} {n}",
        "    {a}->{b} = {c}({n});",
        "#include <{a}.h>",
    ], 'static const char *ak_id = "{id}";\nstatic const char *ak_secret = "{secret}";'),
    "ruby": ("rb", "#", [
        "def {a}({b}, {c} = {n})",
        "  @{a} ||= {B}.new({c})",
        "end",
    ], "client = Aliyun::OSS::Client.new(\n  access_key_id: '{id}',\n  access_key_secret: '{secret}'\n)"),
    "php": ("php", "//", [
        "    public function {a}(${b}) {{ return $this->{c}; }}",
        "    ${a} = ${b}->{c}({n});",
    ], "$client = new OssClient('{id}', '{secret}', $endpoint);"),
    "yaml": ("yaml", "#", [
        "{a}:\n  {b}: \"{s}\"\n  replicas: {n}",
        "  - name: {a}\n    image: {b}:{n}",
    ], "aliyun:\n  access_key_id: {id}\n  access_key_secret: {secret}"),
    "properties": ("properties", "#", [
        "{a}.{b}.{c}={n}",
        "{a}.{b}={s}",
    ], "alibaba.cloud.access-key={id}\nalibaba.cloud.secret-key={secret}"),
    "shell": ("sh", "#", [
        "export {AU}=\"{s}\"",
        "if [ -z \"${AU}\" ]; then echo '{b}'; fi",
    ], "export ALIBABA_CLOUD_ACCESS_KEY_ID={id}\nexport ALIBABA_CLOUD_ACCESS_KEY_SECRET={secret}"),
    "json": ("json", None, [
        "  \"{a}\": \"{s}\",",
        "  \"{a}\": {n},",
    ], "  \"accessKeyId\": \"{id}\",\n  \"accessKeySecret\": \"{secret}\","),
    "xml": ("xml", None, [
        "<{a} name=\"{b}\" value=\"{c}\" size=\"{n}\"/>",
        "  <{a}>{s}</{a}>",
    ], "<AccessKeyId>{id}</AccessKeyId>\n<AccessKeySecret>{secret}</AccessKeySecret>"),
    "terraform": ("tf", "#", [
        "resource \"{a}\" \"{b}\" {{\n  {c} = {n}\n}}",
        "  {a} = \"{s}\"",
    ], "provider \"alicloud\" {{\n  access_key = \"{id}\"\n  secret_key = \"{secret}\"\n}}"),
}

# Extension -> language, for planting into an existing tree.
BY_EXT = {v[0]: k for k, v in LANGS.items()}
BY_EXT.update({"h": "c", "cc": "c", "cpp": "c", "hpp": "c", "mjs": "javascript",
               "cjs": "javascript", "tsx": "typescript", "jsx": "javascript", "yml": "yaml",
               "toml": "properties", "ini": "properties", "cfg": "properties", "conf": "properties",
               "bash": "shell", "md": "properties", "txt": "properties", "pl": "ruby",
               "pm": "ruby", "kt": "java", "scala": "java", "cs": "java", "swift": "go"})


def render(tmpl, rng):
    a, b, c = ident(rng), ident(rng), ident(rng)
    cap = lambda w: "".join(p.capitalize() for p in w.split("_"))
    return tmpl.format(a=a, b=b, c=c, A=cap(a), B=cap(b), C=cap(c), AU=a.upper(),
                       n=rng.randrange(100000),
                       s="".join(rng.choice(ALNUM) for _ in range(rng.randrange(6, 40))))


def comment_line(rng, prefix):
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(4, 14)))
    return f"{prefix} {words}" if prefix else f"<!-- {words} -->"


def file_size(rng):
    # log-normal-ish spread: mostly a few KiB, some tens of KiB, a few hundred
    return int(min(400_000, max(200, rng.lognormvariate(8.3, 1.1))))


def snippet(lang, rng):
    ident_, secret = key_pair(rng)
    return LANGS[lang][3].format(id=ident_, secret=secret), ident_, secret


POOL = 4096


def line_pool(lang, rng):
    """Rendered lines of one language to draw files from (rendering each line afresh
    would make a gigabyte corpus take many minutes)."""
    _, cprefix, templates, _ = LANGS[lang]
    pool = []
    for _ in range(POOL):
        if rng.random() < 0.12:
            pool.append(comment_line(rng, cprefix))
        else:
            pool.extend(render(rng.choice(templates), rng).split("\n"))
    return pool


def gen_file(pool, size, rng):
    lines = []
    total = 0
    while total < size:
        batch = rng.choices(pool, k=max(8, (size - total) // 40))
        for line in batch:
            lines.append(line)
            total += len(line) + 1
            if total >= size:
                break
    return lines


def insert(lines, at, lang, rng, rel, manifest):
    text, _, secret = snippet(lang, rng)
    snip = text.split("\n")
    for i, line in enumerate(snip):
        if "LTAI" in line:
            manifest.append({"path": rel, "line": at + i + 1, "kind": "access_key_id"})
        if secret in line:
            manifest.append({"path": rel, "line": at + i + 1, "kind": "access_key_secret"})
    lines[at:at] = snip


def generate(args):
    rng = random.Random(args.seed)
    size = parse_size(args.size)
    out = args.out
    if os.path.exists(out) and os.listdir(out):
        sys.exit(f"gen_corpus: {out} exists and is not empty")
    os.makedirs(out, exist_ok=True)
    langs = sorted(LANGS)
    # a directory tree of about a dozen files per directory: each new directory goes under
    # a random earlier one
    dirs = [""]
    for k in range(max(1, size // (12 * 7000))):
        dirs.append(os.path.join(rng.choice(dirs), f"{rng.choice(WORDS)}{k}"))
    files = []
    total = 0
    i = 0
    while total < size:
        lang = rng.choice(langs)
        n = file_size(rng)
        rel = os.path.join(rng.choice(dirs), f"{ident(rng)}_{i}.{LANGS[lang][0]}")
        files.append((rel, lang, n))
        total += n
        i += 1
    # which files get a key: spread evenly over the list
    keyed = set()
    if args.keys:
        step = max(1, len(files) // args.keys)
        keyed = {min(len(files) - 1, k * step + step // 2) for k in range(args.keys)}
    pools = {lang: line_pool(lang, rng) for lang in langs}
    manifest = []
    written = 0
    for idx, (rel, lang, n) in enumerate(files):
        lines = gen_file(pools[lang], n, rng)
        if idx in keyed:
            at = rng.randrange(len(lines) + 1)
            insert(lines, at, lang, rng, rel, manifest)
        data = ("\n".join(lines) + "\n").encode()
        path = os.path.join(out, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        written += len(data)
    write_manifest(args, out, manifest, {"mode": "generate", "bytes": written,
                                         "files": len(files)})


def ignored_dir(path):
    return any(os.path.exists(os.path.join(path, f)) for f in (".gitignore", ".ignore", ".rgignore"))


def plant(args):
    rng = random.Random(args.seed)
    root = args.tree
    candidates = []
    for d, dirs, files in os.walk(root):
        dirs.sort()
        # keep clear of ignore files (and hidden or VCS directories): the key must be in a
        # file every scanner reads
        if ignored_dir(d):
            dirs[:] = []
            continue
        dirs[:] = [x for x in dirs if not x.startswith(".")]
        for name in sorted(files):
            ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
            if ext not in BY_EXT or name.startswith("."):
                continue
            p = os.path.join(d, name)
            try:
                st = os.lstat(p)
            except OSError:
                continue
            if not os.path.isfile(p) or os.path.islink(p) or not 100 <= st.st_size <= 1 << 20:
                continue
            candidates.append((os.path.relpath(p, root), BY_EXT[ext]))
    if len(candidates) < args.keys:
        sys.exit(f"gen_corpus: only {len(candidates)} text files to plant into")
    chosen = sorted(rng.sample(candidates, args.keys))
    manifest = []
    for rel, lang in chosen:
        p = os.path.join(root, rel)
        with open(p, "rb") as f:
            data = f.read()
        if b"\0" in data[:8192]:
            continue
        text = data.decode("utf-8", errors="surrogateescape")
        if "\r\n" in text:
            continue
        lines = text.split("\n")
        trailing = lines and lines[-1] == ""
        if trailing:
            lines.pop()
        at = rng.randrange(len(lines) + 1)
        insert(lines, at, lang, rng, rel, manifest)
        text = "\n".join(lines) + ("\n" if trailing else "")
        with open(p, "wb") as f:
            f.write(text.encode("utf-8", errors="surrogateescape"))
    write_manifest(args, root, manifest, {"mode": "plant"})


def write_manifest(args, root, planted, extra):
    path = args.manifest or root.rstrip("/") + ".manifest.json"
    doc = {"root": os.path.abspath(root), "seed": args.seed, **extra, "planted": planted}
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
    pairs = len({p["path"] + str(p["line"]) for p in planted if p["kind"] == "access_key_id"})
    print(f"gen_corpus: {len(planted)} values ({pairs} pairs) planted; manifest {path}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="mode", required=True)
    g = sub.add_parser("generate", help="write a synthetic tree")
    g.add_argument("--out", required=True)
    g.add_argument("--size", default="100M", help="total bytes, e.g. 100M, 1.5G (default 100M)")
    p = sub.add_parser("plant", help="plant keys into an existing tree (modifies it)")
    p.add_argument("--tree", required=True)
    for s in (g, p):
        s.add_argument("--keys", type=int, default=50, help="key pairs to plant (default 50)")
        s.add_argument("--seed", type=int, default=1)
        s.add_argument("--manifest", help="manifest path (default: DIR.manifest.json)")
    args = ap.parse_args()
    (generate if args.mode == "generate" else plant)(args)


if __name__ == "__main__":
    main()
