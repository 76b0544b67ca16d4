#!/usr/bin/env python3
"""The review loop: a sample of custodia's findings on the real corpus, with
the code around each, for a reader who did not write the rules to judge.

    python3 scripts/review-sheet.py sample [--bin target/release/custodia]
        [--corpus target/corpus] [--per-rule 8] [--seed 1] [--out target/review]
    python3 scripts/review-sheet.py score target/review/verdicts.json

`sample` scans every repository of the laid-out corpus with the default
settings (production code, as a user runs it), draws up to --per-rule
findings of each rule (stratified, seeded: the same corpus and binary give
the same sample) and writes `sheet.md` (each finding with its message and
the code around it) and `sample.json` (the findings, by id).

The judge writes `verdicts.json`: a list of {"id": ..., "verdict": "true" |
"wrong" | "noise", "reason": "..."}; "true" is a finding a reviewer keeps,
"wrong" a finding that is false (the control exists, or the code is not what
the rule says), "noise" one that is accurate but not worth reporting.
`score` prints the table docs/ACCURACY.md records.
"""
import argparse
import collections
import json
import os
import random
import subprocess
import sys

CONTEXT = 8


def scan(binary, repo):
    out = subprocess.run([binary, "scan", repo, "--format", "json"], capture_output=True, text=True, timeout=600)
    if out.returncode not in (0, 1):
        sys.exit(f"custodia failed on {repo}: {out.stderr}")
    return json.loads(out.stdout)


def excerpt(root, path, line):
    if not path or not line:
        return None
    try:
        with open(os.path.join(root, path), encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    lo, hi = max(0, line - 1 - CONTEXT), min(len(lines), line + CONTEXT)
    return "\n".join(f"{'>' if i + 1 == line else ' '}{i + 1:5} {lines[i]}" for i in range(lo, hi))


def sample(args):
    findings = []
    for repo in sorted(os.listdir(args.corpus)):
        root = os.path.join(args.corpus, repo)
        if not os.path.isdir(root):
            continue
        report = scan(args.bin, root)
        for f in report["findings"]:
            line = (f.get("range") or {}).get("start", {}).get("line")
            findings.append({"repo": repo, "rule": f["rule"], "path": f.get("path"), "line": line,
                             "message": f["message"], "related": f.get("related", [])})
    by_rule = collections.defaultdict(list)
    for f in findings:
        by_rule[f["rule"]].append(f)
    rng = random.Random(args.seed)
    chosen = []
    for rule in sorted(by_rule):
        pool = by_rule[rule]
        chosen.extend(pool if len(pool) <= args.per_rule else rng.sample(pool, args.per_rule))
    for i, f in enumerate(chosen, 1):
        f["id"] = i
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "sample.json"), "w") as out:
        json.dump(chosen, out, indent=1)
    with open(os.path.join(args.out, "sheet.md"), "w") as out:
        out.write(f"# Findings to judge ({len(chosen)} of {len(findings)}, up to {args.per_rule} per rule)\n\n")
        out.write("Verdicts: true (a reviewer keeps it), wrong (false), noise (accurate, not worth reporting).\n\n")
        for f in chosen:
            where = f"{f['path']}:{f['line']}" if f["path"] else "(project)"
            out.write(f"## {f['id']}. {f['rule']} — {f['repo']}/{where}\n\n{f['message']}\n\n")
            for r in f["related"][:3]:
                out.write(f"- related: {r.get('path')}:{r['range']['start']['line']} {r.get('message', '')}\n")
            code = excerpt(os.path.join(args.corpus, f["repo"]), f["path"], f["line"])
            if code:
                out.write(f"\n```\n{code}\n```\n")
            out.write("\n")
    counts = collections.Counter(f["rule"] for f in findings)
    print(f"{len(findings)} findings, {len(chosen)} sampled -> {args.out}/sheet.md")
    for rule, n in counts.most_common():
        print(f"  {rule}: {n}")


def score(args):
    with open(args.verdicts) as f:
        verdicts = json.load(f)
    sample_path = os.path.join(os.path.dirname(args.verdicts), "sample.json")
    rules = {}
    if os.path.exists(sample_path):
        with open(sample_path) as f:
            rules = {s["id"]: s["rule"] for s in json.load(f)}
    table = collections.defaultdict(collections.Counter)
    for v in verdicts:
        table[rules.get(v["id"], v.get("rule", "?"))][v["verdict"]] += 1
    total = collections.Counter()
    print("| rule | judged | true | wrong | noise |")
    print("|---|---|---|---|---|")
    for rule in sorted(table):
        c = table[rule]
        total.update(c)
        print(f"| {rule} | {sum(c.values())} | {c['true']} | {c['wrong']} | {c['noise']} |")
    n = sum(total.values())
    print(f"| **all** | {n} | {total['true']} | {total['wrong']} | {total['noise']} |")
    if n:
        print(f"\nPrecision (true / judged): {100 * total['true'] / n:.0f}%")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("sample")
    s.add_argument("--bin", default="target/release/custodia")
    s.add_argument("--corpus", default="target/corpus")
    s.add_argument("--per-rule", type=int, default=8)
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--out", default="target/review")
    s.set_defaults(run=sample)
    j = sub.add_parser("score")
    j.add_argument("verdicts")
    j.set_defaults(run=score)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
