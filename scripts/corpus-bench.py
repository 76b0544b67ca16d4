#!/usr/bin/env python3
"""The real-code benchmark: custodia on each corpus repository and on the
whole corpus, next to a parse-only run of the same files and the two peers
(ast-grep, Semgrep) with the same call-site checks, in the same session.

    python3 scripts/corpus-bench.py [--rounds 3] [--no-semgrep]

Needs the corpus laid out under target/corpus (../shared/corpus/README.md),
a release build (cargo build --release), and for the peers
`pip install ast-grep-cli==0.51.1 semgrep==1.185.0`. A peer that is not
installed is reported as such, never silently left out.

For each run it records wall time and the peak resident memory of the
process (from wait4), and for custodia the files analysed, prefiltered, left
out of scope, partial and skipped by reason (from --stats JSON). Rounds are
interleaved (the machine is noisy) and medians are printed as a Markdown
table, the form docs/PERFORMANCE.md keeps.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


TIME = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").is_file() else None)


def run(command, cwd=None):
    """Runs a command; returns (wall seconds, peak RSS in MB, stdout bytes, exit status).

    The peak is GNU time's (`%M`) when it is installed: the high-water mark
    wait4 reports includes the memory of the Python process the child was
    forked from, which floors small figures at this script's own size."""
    started = time.monotonic()
    report = None
    if TIME:
        report = Path(f"/tmp/corpus-bench-{os.getpid()}.time")
        command = [TIME, "-f", "%M", "-o", str(report), *command]
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    chunks = []
    while True:
        chunk = process.stdout.read(1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.monotonic() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    peak_kb = usage.ru_maxrss
    if report is not None:
        try:
            peak_kb = int(report.read_text().split()[-1])
        except (OSError, ValueError, IndexError):
            pass
        report.unlink(missing_ok=True)
    return wall, peak_kb / 1024.0, b"".join(chunks), process.returncode


def custodia(binary, path, extra):
    wall, rss, out, status = run([binary, "scan", str(path), "--format", "json", "--stats", "--quiet", *extra])
    if status not in (0, 1):
        return {"wall": wall, "rss": rss, "error": f"exit {status}"}
    report = json.loads(out)
    stats = report.get("stats") or {}
    scope = report.get("scope") or {}
    return {
        "wall": wall,
        "rss": rss,
        "findings": len(report.get("findings", [])),
        "analyzed": stats.get("files_analyzed", 0),
        "prefiltered": stats.get("files_prefiltered", 0),
        "partial": stats.get("files_partial", 0),
        "skipped": stats.get("files_skipped_by_reason", {}),
        "left_out": sum((scope.get("left_out") or {}).values()),
        "steps": (stats.get("timing") or {}).get("analysis_steps", 0),
        "mb": stats.get("bytes_seen", 0) / 1e6,
    }


def peer(command):
    wall, rss, out, status = run(command)
    return {"wall": wall, "rss": rss, "status": status}


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default="target/corpus")
    parser.add_argument("--peers", default="../shared/corpus/peers", help="the peers' rule sets")
    parser.add_argument("--binary", default="target/release/custodia")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-semgrep", action="store_true", help="Semgrep takes minutes: leave it out")
    parser.add_argument("--json", help="also write every measurement here")
    args = parser.parse_args()

    corpus = Path(args.corpus)
    if not (corpus / "corpus.json").is_file():
        sys.exit(f"no corpus at {corpus}: lay it out as ../shared/corpus/README.md says (fetch, then build.py)")
    if not Path(args.binary).is_file():
        sys.exit(f"no binary at {args.binary}: cargo build --release")
    repos = sorted(p.name for p in corpus.iterdir() if p.is_dir())
    astgrep = shutil.which("ast-grep")
    semgrep = shutil.which("semgrep")
    peers = Path(args.peers)

    results = {name: {"scan": [], "parse": []} for name in repos + ["(whole corpus)"]}
    results["(whole corpus)"].update({"ast-grep": [], "semgrep": []})
    for round_ in range(args.rounds):
        print(f"round {round_ + 1}/{args.rounds}", file=sys.stderr)
        for name in repos + ["(whole corpus)"]:
            path = corpus if name == "(whole corpus)" else corpus / name
            results[name]["scan"].append(custodia(args.binary, path, []))
            results[name]["parse"].append(custodia(args.binary, path, ["--parse-only", "--no-prefilter"]))
        if astgrep:
            command = [astgrep, "scan", "-c", str(peers / "astgrep" / "sgconfig.yml"), "-j", "2", "--json=stream", str(corpus)]
            results["(whole corpus)"]["ast-grep"].append(peer(command))
        if semgrep and not args.no_semgrep and round_ == 0:
            command = [semgrep, "scan", "--config", str(peers / "semgrep" / "custodia-peer.yml"), "-j", "2", "--json",
                       "--metrics=off", "--no-git-ignore", str(corpus)]
            results["(whole corpus)"]["semgrep"].append(peer(command))

    print("| repository | MB | analysed | prefiltered | left out (scope) | partial | skipped | findings | steps | scan wall | scan peak | parse-only wall |")
    print("|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|")
    for name in repos + ["(whole corpus)"]:
        scans = results[name]["scan"]
        last = scans[-1]
        if "error" in last:
            print(f"| {name} | | | | | | | | | {last['error']} | | |")
            continue
        skipped = ", ".join(f"{k} {v}" for k, v in sorted(last["skipped"].items())) or "0"
        wall = median([s["wall"] for s in scans])
        rss = median([s["rss"] for s in scans])
        parse = median([s["wall"] for s in results[name]["parse"]])
        print(
            f"| {name} | {last['mb']:.1f} | {last['analyzed']} | {last['prefiltered']} | {last['left_out']} | "
            f"{last['partial']} | {skipped} | {last['findings']} | {last['steps']:,} | {wall:.2f} s | {rss:.0f} MB | {parse:.2f} s |"
        )
    whole = results["(whole corpus)"]
    print()
    print("| whole corpus, same run | wall (median) | peak memory |")
    print("|---|---:|---:|")
    for label, key in [("custodia scan", "scan"), ("custodia parse-only", "parse"), ("ast-grep 0.51.1 (11 rules)", "ast-grep"), ("Semgrep 1.185.0 (11 rules)", "semgrep")]:
        runs = whole.get(key, [])
        if not runs:
            reason = "not installed" if (key == "ast-grep" and not astgrep) or (key == "semgrep" and not semgrep) else "not run (--no-semgrep)"
            print(f"| {label} | {reason} | |")
            continue
        print(f"| {label} | {median([r['wall'] for r in runs]):.2f} s | {median([r['rss'] for r in runs]):.0f} MB |")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
