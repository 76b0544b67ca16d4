#!/usr/bin/env python3
"""The editor on real workspaces: `custodia lsp` opened on each corpus
repository, as an editor would, over stdio.

    python3 scripts/corpus-lsp.py [--binary target/release/custodia] [REPO ...]

For each repository it starts the server with the repository as the
workspace, waits for the index to complete (the `$/progress` end the server
reports), opens one file (the production file with the most findings in a
`custodia scan` of the same repository, so that there is something to show)
and waits for that file's diagnostics. It prints the index time, the time
from the end of the index to the file's diagnostics, how many arrived, the
server's peak memory, and every `window/showMessage` the server sent (a file
analysed in part is announced there). Exit status 1 if a repository's index
or diagnostics did not arrive within the timeout.

Needs the corpus under target/corpus (../shared/corpus/README.md) and a
release build.
"""

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import lsp_wire


class Server:
    def __init__(self, binary, root):
        self.process = subprocess.Popen([binary, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL)
        self.root = root
        self.next_id = 1
        self.messages = []

    def send(self, message):
        lsp_wire.send(self.process, message)

    def request(self, method, params):
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        self.next_id += 1
        return self.next_id - 1

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def read(self):
        return lsp_wire.read(self.process)

    def wait(self, matches, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = self.read()
            self.messages.append(message)
            if matches(message):
                return message
        return None

    def peak_rss_mb(self):
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
        except OSError:
            pass
        return None

    def stop(self):
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
            self.process.wait(timeout=10)
        except Exception:
            self.process.kill()


def file_to_open(binary, repo):
    """The production file with the most findings; with none, the first file
    of the AI inventory (a file that uses a model SDK), which then must get
    its (empty) diagnostics all the same."""
    out = subprocess.run([binary, "scan", str(repo), "--format", "json", "--quiet"], capture_output=True).stdout
    report = json.loads(out)
    counts = {}
    for finding in report.get("findings", []):
        if finding.get("path"):
            counts[finding["path"]] = counts.get(finding["path"], 0) + 1
    if counts:
        return max(sorted(counts), key=lambda p: counts[p]), max(counts.values())
    files = sorted(f for p in report.get("inventory", {}).get("providers", []) for f in p.get("files", []))
    return (files[0], 0) if files else (None, 0)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("repos", nargs="*")
    parser.add_argument("--corpus", default="target/corpus")
    parser.add_argument("--binary", default="target/release/custodia")
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()
    corpus = Path(args.corpus).resolve()
    if not (corpus / "corpus.json").is_file():
        sys.exit(f"no corpus at {corpus}: lay it out as ../shared/corpus/README.md says")
    binary = str(Path(args.binary).resolve())
    repos = args.repos or sorted(p.name for p in corpus.iterdir() if p.is_dir())
    failed = False
    print("| workspace | file opened | index | index → diagnostics | diagnostics (scan) | server peak | messages shown |")
    print("|---|---|---:|---:|---:|---:|---|")
    for name in repos:
        root = corpus / name
        path, expected = file_to_open(binary, root)
        server = Server(binary, root)
        started = time.monotonic()
        server.request("initialize", {
            "processId": os.getpid(), "rootUri": lsp_wire.uri(root),
            "capabilities": {"window": {"workDoneProgress": True},
                             "general": {"positionEncodings": ["utf-16"]}},
        })
        server.wait(lambda m: m.get("id") == 1, args.timeout)
        server.notify("initialized", {})
        ended = server.wait(lambda m: m.get("method") == "$/progress" and m["params"]["value"].get("kind") == "end",
                            args.timeout)
        indexed = time.monotonic()
        shown = [m["params"]["message"] for m in server.messages if m.get("method") == "window/showMessage"]
        if ended is None:
            print(f"| {name} | {path} | no index within {args.timeout:.0f} s | | | | |")
            failed = True
            server.stop()
            continue
        got = None
        if path:
            text = (root / path).read_text(encoding="utf-8", errors="replace")
            server.notify("textDocument/didOpen", {"textDocument": {
                "uri": lsp_wire.uri(root / path), "languageId": "typescript", "version": 1, "text": text}})
            target = lsp_wire.uri(root / path)
            got = server.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                              and urllib.parse.unquote(m["params"]["uri"]) == urllib.parse.unquote(target)
                              and (m["params"]["diagnostics"] or expected == 0), args.timeout)
        arrived = time.monotonic()
        shown += [m["params"]["message"] for m in server.messages if m.get("method") == "window/showMessage"]
        rss = server.peak_rss_mb()
        server.stop()
        if path and got is None:
            failed = True
        count = len(got["params"]["diagnostics"]) if got else 0
        wait = f"{(arrived - indexed) * 1000:.0f} ms" if got else "none"
        print(f"| {name} | `{path}` | {indexed - started:.2f} s | {wait} | {count} ({expected}) | "
              f"{rss:.0f} MB | {'; '.join(sorted(set(shown))) or '-'} |")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
