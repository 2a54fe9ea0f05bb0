#!/usr/bin/env python3
"""Simulates an organisation audit on one machine.

Generates M local repositories with a realistic history (source files edited over many
commits; the same AccessKey leaked into several repositories; keys added and later deleted;
clean repositories), then audits the list

  * once, as one process (`akscan audit LIST`), and
  * as N separate processes with exactly the environment contract of a Kubernetes Indexed
    Job's pods (JOB_COMPLETION_INDEX=k in the environment, `--shard $JOB_COMPLETION_INDEX/N`
    expanded from it, HOME and TMPDIR pointing at a scratch directory, --exit-zero),

merges both with `akscan merge --format json`, checks that the two merged reports are the
same (apart from timings), and prints the throughput (repositories, blobs and bytes per
second). Every repository is listed as a file:// URL, so each worker clones what it scans,
as it would from a git server.

  python3 benches/org_audit.py --akscan target/release/akscan --repos 40 --workers 1 2

The keys are generated at random here and are not real credentials.
"""

import argparse
import json
import os
import random
import shutil
import string
import subprocess
import sys
import tempfile
import time

ALNUM = string.ascii_letters + string.digits


def rand(rng, n, alphabet=ALNUM):
    return "".join(rng.choice(alphabet) for _ in range(n))


def key_pair(rng):
    return "LTAI5t" + rand(rng, 18), rand(rng, 30)


WORDS = (
    "config handler request response client server cache index value result item "
    "user order payment invoice account session token region bucket object upload".split()
)


def source_file(rng, lines):
    out = ["import os", "import json", ""]
    for i in range(lines):
        w = rng.choice(WORDS)
        v = rng.choice(WORDS)
        kind = rng.randrange(4)
        if kind == 0:
            out.append(f"def {w}_{v}_{i}(x):")
            out.append(f"    return x.get({v!r}, {rng.randrange(1000)})")
        elif kind == 1:
            out.append(f"{w.upper()}_{i} = os.environ.get({(w + '_' + v).upper()!r}, '')")
        elif kind == 2:
            out.append(f"# {w} {v} {rand(rng, 12, string.ascii_lowercase)}")
        else:
            out.append(f"{w}_{i} = json.loads('{{\"{v}\": {rng.randrange(100)}}}')")
    return "\n".join(out) + "\n"


def leak(id_, secret, style):
    if style == 0:
        return f'import oss2\nauth = oss2.Auth("{id_}", "{secret}")\n'
    if style == 1:
        return f"alibaba:\n  access-key-id: {id_}\n  access-key-secret: {secret}\n"
    return f'ALIBABA_CLOUD_ACCESS_KEY_ID="{id_}"\nALIBABA_CLOUD_ACCESS_KEY_SECRET="{secret}"\n'


def fast_import_stream(rng, commits, files, events):
    """A git fast-import stream: `commits` commits editing some of `files` source files;
    `events` maps a commit number to (path, content or None for a deletion)."""
    out = []
    t = 1_600_000_000
    names = [f"src/{rng.choice(WORDS)}_{i}.py" for i in range(files)]
    for c in range(commits):
        t += rng.randrange(600, 86_400)
        changes = []
        todo = names if c == 0 else rng.sample(names, k=min(len(names), rng.randrange(1, 4)))
        for n in todo:
            changes.append((n, source_file(rng, rng.randrange(20, 120))))
        for path, content in events.get(c, []):
            changes.append((path, content))
        msg = f"change {c}"
        out.append("commit refs/heads/main\n")
        out.append(f"committer Dev {c % 7} <dev{c % 7}@example.com> {t} +0000\n")
        out.append(f"data {len(msg)}\n{msg}\n")
        for path, content in changes:
            if content is None:
                out.append(f"D {path}\n")
            else:
                data = content.encode()
                out.append(f"M 100644 inline {path}\ndata {len(data)}\n")
                out.append(data.decode() + "\n")
    return "".join(out).encode()


def generate(root, m, commits, files, seed):
    rng = random.Random(seed)
    shared = key_pair(rng)
    repos = []
    for i in range(m):
        path = os.path.join(root, f"repo-{i:04d}.git")
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", path], check=True)
        events = {}
        role = i % 5
        if role in (0, 1):
            # the organisation's shared key, committed (and in role 1 deleted later)
            at = rng.randrange(1, commits - 1)
            events.setdefault(at, []).append(("config/settings.yml", leak(*shared, 1)))
            if role == 1:
                events.setdefault(rng.randrange(at + 1, commits), []).append(
                    ("config/settings.yml", None)
                )
        elif role == 2:
            # a key of its own, added and deleted
            at = rng.randrange(1, commits - 1)
            events.setdefault(at, []).append(("deploy/env.sh", leak(*key_pair(rng), 2)))
            events.setdefault(rng.randrange(at + 1, commits), []).append(("deploy/env.sh", None))
        elif role == 3:
            at = rng.randrange(0, commits)
            events.setdefault(at, []).append(("tools/upload.py", leak(*key_pair(rng), 0)))
        # role 4: clean
        stream = fast_import_stream(rng, commits, files, events)
        subprocess.run(
            ["git", "-C", path, "fast-import", "--quiet"], input=stream, check=True
        )
        repos.append(path)
    return repos


def timeless(v):
    if isinstance(v, dict):
        return {
            k: timeless(x)
            for k, x in v.items()
            if k not in ("seconds", "elapsed_ms", "clone_seconds")
        }
    if isinstance(v, list):
        return [timeless(x) for x in v]
    return v


def audit(akscan, listfile, workers, outdir, threads_per_worker, key):
    """Runs `workers` processes with the Indexed Job contract; returns (seconds, files)."""
    procs, files = [], []
    start = time.monotonic()
    for k in range(workers):
        scratch = os.path.join(outdir, f"pod-{k}")
        os.makedirs(scratch, exist_ok=True)
        out = os.path.join(outdir, f"shard-{k}.jsonl")
        env = dict(os.environ)
        env.update(
            JOB_COMPLETION_INDEX=str(k),
            HOME=scratch,
            TMPDIR=scratch,
            AKSCAN_AUDIT_KEY=key,
        )
        # the pod's args, with $(JOB_COMPLETION_INDEX) expanded from its environment
        cmd = (
            f'"$AKSCAN" audit "$LIST" --shard "$JOB_COMPLETION_INDEX/{workers}" '
            f'-o "$OUT" --exit-zero -q -j {threads_per_worker}'
        )
        env.update(AKSCAN=akscan, LIST=listfile, OUT=out)
        procs.append(subprocess.Popen(["/bin/sh", "-c", cmd], env=env))
        files.append(out)
    for p in procs:
        if p.wait() != 0:
            sys.exit(f"a worker exited {p.returncode}")
    return time.monotonic() - start, files


def merge(akscan, files, out):
    r = subprocess.run(
        [akscan, "merge", "--format", "json", "-q", *files], capture_output=True
    )
    if r.returncode not in (0, 1):
        sys.exit(r.stderr.decode())
    with open(out, "wb") as f:
        f.write(r.stdout)
    return json.loads(r.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--akscan", default="target/release/akscan")
    ap.add_argument("--repos", type=int, nargs="+", default=[40])
    ap.add_argument("--commits", type=int, default=120)
    ap.add_argument("--files", type=int, default=12)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                    help="cores of the machine, shared among the workers")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--keep", help="keep the repositories and outputs in this directory")
    a = ap.parse_args()
    akscan = os.path.abspath(a.akscan)
    key = "simulation-key-" + "0" * 32
    base = a.keep or tempfile.mkdtemp(prefix="akscan-org-")
    ok = True
    print(f"{'M':>5} {'N':>3} {'wall s':>8} {'repos/s':>8} {'blobs/s':>9} {'MB/s':>7} "
          f"{'commits':>8} {'blobs':>8} {'MB':>7} {'incidents':>9}  same as N=1 process")
    for m in a.repos:
        root = os.path.join(base, f"m{m}")
        shutil.rmtree(root, ignore_errors=True)
        os.makedirs(root)
        repos = generate(os.path.join(root, "repos"), m, a.commits, a.files, a.seed + m)
        listfile = os.path.join(root, "repos.txt")
        with open(listfile, "w") as f:
            f.write("# simulated organisation\n")
            f.writelines(f"file://{r}\n" for r in repos)
        reference = None
        for n in a.workers:
            outdir = os.path.join(root, f"n{n}")
            os.makedirs(outdir, exist_ok=True)
            secs, files = audit(akscan, listfile, n, outdir, max(1, a.threads // n), key)
            doc = merge(akscan, files, os.path.join(outdir, "merged.json"))
            if reference is None:
                # the single-process audit of the whole list, to compare every N against
                one_secs, one = audit(akscan, listfile, 1, os.path.join(root, "single"),
                                      a.threads, key)
                reference = timeless(merge(akscan, one, os.path.join(root, "single.json")))
            same = timeless(doc) == reference
            ok &= same
            st, s = doc["stats"], doc["summary"]
            mb = st.get("bytes_scanned", 0) / 1e6
            print(f"{m:>5} {n:>3} {secs:>8.2f} {s['repositories'] / secs:>8.1f} "
                  f"{st.get('files_scanned', 0) / secs:>9.0f} {mb / secs:>7.1f} "
                  f"{st.get('commits', 0):>8} {st.get('files_scanned', 0):>8} {mb:>7.1f} "
                  f"{s['incidents']:>9}  {'yes' if same else 'NO'}")
    if not a.keep:
        shutil.rmtree(base, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
