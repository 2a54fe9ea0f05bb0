#!/usr/bin/env python3
"""akscan and ripgrep on one tree, timed in interleaved rounds.

hyperfine times all runs of one command, then all runs of the next: on a shared machine
a change of load between the two blocks lands on one tool only. Here every round runs
each command once, in turn, so a load change hits all of them alike; the medians over
the rounds and their ratios to ripgrep are printed, with user and system CPU.

  benches/interleaved.py DIR [-j 2] [-r 20] [--akscan BIN] [--other NAME=BIN]

Commands per round:
  rg       rg --hidden -c 'LTAI[A-Za-z0-9]{12,20}' DIR          (the baseline)
  rules    akscan, all rules, --no-decode --no-archives
  noarch   akscan, all rules and decoding, --no-archives
  default  akscan with default options
and `default` once more for each --other build (a build to compare against, say the
one a session started from). akscan writes a JSON report; when DIR.manifest.json
exists, every run's report is checked for every planted value (exit 1 on a miss).
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def run(cmd):
    """Wall seconds and the child's user and system CPU seconds of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    code = subprocess.call(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # rg -c exits 1 when nothing matches; akscan exits 1 on findings.
    if code not in (0, 1):
        sys.exit(f"interleaved: {' '.join(cmd)} exited with {code}")
    return wall, after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime


def planted(manifest):
    """(path, line, kind) of every planted value, from gen_corpus.py's manifest."""
    with open(manifest, encoding="utf-8") as f:
        data = json.load(f)
    return {(p["path"], p["line"], p["kind"]) for p in data["planted"]}


def found(report, root):
    """(path, line, kind) of every finding in an akscan JSON report."""
    with open(report, encoding="utf-8") as f:
        data = json.load(f)
    out = set()
    for finding in data["findings"]:
        path = os.path.relpath(finding["path"], root)
        out.add((path, finding["line"], finding["kind"]))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("dir")
    ap.add_argument("-j", type=int, default=os.cpu_count(), help="threads for every tool")
    ap.add_argument("-r", type=int, default=20, help="rounds (default 20)")
    ap.add_argument("-w", type=int, default=2, help="warm-up rounds, not counted")
    ap.add_argument("--akscan", default=None, help="akscan binary (default target/release)")
    ap.add_argument("--other", action="append", default=[], metavar="NAME=BIN",
                    help="another akscan build, run with default options")
    args = ap.parse_args()

    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    akscan = args.akscan or os.path.join(repo, "target", "release", "akscan")
    rg = shutil.which("rg")
    if rg is None:
        sys.exit("interleaved: ripgrep (rg) is not installed")
    if not os.access(akscan, os.X_OK):
        sys.exit(f"interleaved: no akscan binary at {akscan} (cargo build --release)")
    root = os.path.abspath(args.dir.rstrip("/"))
    manifest = root + ".manifest.json"
    want = planted(manifest) if os.path.exists(manifest) else None

    tmp = tempfile.mkdtemp(prefix="akscan-interleaved-")
    j = str(args.j)

    def scan(binary, name, *extra):
        report = os.path.join(tmp, name + ".json")
        return [binary, "scan", root, "-j", j, "-q", "--format", "json",
                "--output", report, *extra], report

    commands = [("rg", [rg, "--hidden", "-c", "-j", j, "LTAI[A-Za-z0-9]{12,20}", root], None)]
    for name, extra in (("rules", ("--no-decode", "--no-archives")),
                        ("noarch", ("--no-archives",)), ("default", ())):
        cmd, report = scan(akscan, name, *extra)
        commands.append((name, cmd, report))
    for other in args.other:
        name, _, binary = other.partition("=")
        if not binary or not os.access(binary, os.X_OK):
            sys.exit(f"interleaved: --other wants NAME=BIN with an executable BIN: {other}")
        cmd, report = scan(binary, name)
        commands.append((name, cmd, report))

    times = {name: [] for name, _, _ in commands}
    missed = {}
    try:
        for rnd in range(args.w + args.r):
            for name, cmd, report in commands:
                result = run(cmd)
                if rnd >= args.w:
                    times[name].append(result)
                if report and want is not None and rnd == args.w:
                    lost = want - found(report, root)
                    if lost:
                        missed[name] = len(lost)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    load = open("/proc/loadavg").read().split()[:3] if os.path.exists("/proc/loadavg") else []
    print(f"tree: {root}  threads: {j}  rounds: {args.r}  load after: {' '.join(load)}")
    base = statistics.median(w for w, _, _ in times["rg"])
    print(f"{'command':<10} {'median s':>9} {'user s':>8} {'sys s':>8} {'x rg':>6}")
    for name, _, _ in commands:
        walls = [w for w, _, _ in times[name]]
        user = statistics.median(u for _, u, _ in times[name])
        sys_ = statistics.median(s for _, _, s in times[name])
        med = statistics.median(walls)
        print(f"{name:<10} {med:9.3f} {user:8.3f} {sys_:8.3f} {med / base:6.2f}")
    if want is not None:
        for name, _, report in commands:
            if report:
                lost = missed.get(name, 0)
                print(f"{name}: planted values found {len(want) - lost}/{len(want)}")
    if missed:
        sys.exit(1)


if __name__ == "__main__":
    main()
