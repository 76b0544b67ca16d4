#!/usr/bin/env python3
"""Edit → diagnostics latency of `custodia lsp`, as an editor sees it: a real
LSP client over stdio against the release binary.

    CUSTODIA_LSP_TIMINGS=1 python3 scripts/edit-latency.py \
        [--binary target/release/custodia] [--corpus target/corpus] [--edits 200]

Cases: in the corpus workspaces ai-chatbot, Flowise and vercel/ai, a route
file and a model-client module; and a generated 5,000-line TypeScript and
Python file (AI service code, in a workspace of its own). For each case the
file is opened, then `--edits` single-character edits are applied at
deterministic pseudo-random places (a character typed, then deleted: the
text never drifts far from real code), followed by a few edits that reshape
a function (a multi-line `try`/`catch` wrapped round a body, then removed).
The latency is from sending each `didChange` to the moment the editor shows
the diagnostics of that document version: the `publishDiagnostics` for it,
or, when the server publishes nothing because the diagnostics are the ones
the editor already has (custodia publishes only what changed: a keystroke
that moves no diagnostic's line or column sends nothing), the server's own
record that its publisher handled that version and had nothing to send (the
stderr line `custodia-publish version=N sent=0 path=P`, printed with
`CUSTODIA_LSP_TIMINGS`, which the script sets for the server it starts,
read by a thread as the messages are). The table counts
the edits by outcome (pushed, unchanged). With `--pull`, the latency is to
the answer of a `textDocument/diagnostic` request sent right after the
change instead. An edit that gets neither within 10 s is answered by a pull,
and counted as late.

It prints p50/p95/p99 per case; the server's resident memory (VmRSS) after
the index and after opening each generated 5,000-line document (the
difference is that document's cost); and the median time of each analysis
phase the server reports on stderr (`custodia-timings ...`).
"""

import argparse
import json
import os
import queue
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import zlib
from pathlib import Path

import lsp_wire

CORPUS_CASES = [
    ("ai-chatbot", "app/(chat)/api/chat/route.ts", "route"),
    ("ai-chatbot", "lib/ai/providers.ts", "model client"),
    ("Flowise", "packages/server/src/controllers/predictions/index.ts", "route"),
    ("Flowise", "packages/components/src/followUpPrompts.ts", "model client"),
    ("ai", "examples/next-workflow/app/api/chat/route.ts", "route"),
    ("ai", "packages/amazon-bedrock/src/amazon-bedrock-chat-language-model.ts", "model client"),
]


class Server:
    """The server's process, read by two threads into one queue: its
    messages (stdout) and, from stderr, its timings and its publisher's
    record of each open document version (`custodia-publish version=N
    sent=0|1 path=P`, printed with `CUSTODIA_LSP_TIMINGS`), which reaches the
    main thread as a pseudo-message `custodia/publish`."""

    def __init__(self, command, root):
        # The publisher's record of an unchanged edit is the only signal
        # that edit gets: the server always runs with it.
        env = {**os.environ, "CUSTODIA_LSP_TIMINGS": os.environ.get("CUSTODIA_LSP_TIMINGS", "1")}
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, env=env)
        self.root = root
        self.next_id = 1
        self.pushed = 0
        self.timings = []
        self.log = []
        self.events = queue.Queue()
        self.write_lock = threading.Lock()
        self.stderr_thread = threading.Thread(target=self._read_stderr, daemon=True)
        self.stderr_thread.start()
        self.stdout_thread = threading.Thread(target=self._read_stdout, daemon=True)
        self.stdout_thread.start()

    def _read_stderr(self):
        for line in self.process.stderr:
            line = line.decode(errors="replace").strip()
            self.log = (self.log + [line])[-5:]
            if line.startswith("custodia-timings "):
                self.timings.append(dict((k, float(v)) for k, v in
                                         (part.split("=") for part in line.split()[1:])))
            elif line.startswith("custodia-publish "):
                head, path = line.split(" path=", 1)
                fields = dict(part.split("=") for part in head.split()[1:])
                self.events.put(("message", {"method": "custodia/publish", "params": {
                    "path": path, "version": int(fields["version"]), "sent": fields["sent"] == "1"}}))

    def _read_stdout(self):
        while True:
            try:
                message = lsp_wire.read(self.process, answer=self._send_locked)
            except (EOFError, ValueError) as err:
                self.events.put(("eof", f"{err}; its last words: {self.log}"))
                return
            self.events.put(("message", message))

    def _send_locked(self, process, message):
        with self.write_lock:
            lsp_wire.send(process, message)

    def send(self, message):
        self._send_locked(self.process, message)

    def read(self, timeout=None):
        """The next message, or None after `timeout` seconds without one."""
        try:
            kind, payload = self.events.get(timeout=timeout)
        except queue.Empty:
            return None
        if kind == "eof":
            raise EOFError(payload)
        if payload.get("method") == "textDocument/publishDiagnostics":
            self.pushed += 1
        return payload

    def request(self, method, params, timeout=600):
        rid = self.next_id
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = self.read(max(0.0, deadline - time.monotonic()))
            if message is not None and message.get("id") == rid and "method" not in message:
                return message
        raise TimeoutError(method)

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait(self, matches, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = self.read(max(0.0, deadline - time.monotonic()))
            if message is not None and matches(message):
                return message
        return None

    def rss_mb(self):
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
        return float("nan")

    def stop(self):
        try:
            self.request("shutdown", None, timeout=30)
            self.notify("exit", None)
            self.process.wait(timeout=10)
        except Exception:
            self.process.kill()


def start(command, root, timeout, peer=False):
    server = Server(command, root)
    started = time.monotonic()
    answer = server.request("initialize", {
        "processId": os.getpid(), "rootUri": lsp_wire.uri(root),
        "workspaceFolders": [{"uri": lsp_wire.uri(root), "name": root.name}],
        "capabilities": {"window": {"workDoneProgress": True}, "general": {"positionEncodings": ["utf-16"]},
                         "textDocument": {"publishDiagnostics": {"versionSupport": True}}},
    })
    sync = answer.get("result", {}).get("capabilities", {}).get("textDocumentSync", 2)
    # A server that takes whole texts (textDocumentSync 1) gets them.
    server.full_sync = (sync.get("change", 2) if isinstance(sync, dict) else sync) == 1
    server.notify("initialized", {})
    if peer:
        # Peers index nothing up front.
        return server, time.monotonic() - started
    ended = server.wait(lambda m: m.get("method") == "$/progress" and m["params"]["value"].get("kind") == "end",
                        timeout)
    if ended is None:
        sys.exit(f"{root}: no index within {timeout} s")
    return server, time.monotonic() - started


# --- generated 5,000-line files -------------------------------------------

def generated_ts(lines):
    out = ['import OpenAI from "openai";', 'import Anthropic from "@anthropic-ai/sdk";', "",
           "const openai = new OpenAI();", "const anthropic = new Anthropic({ timeout: 20_000 });", ""]
    i = 0
    while len(out) < lines:
        noun = ["invoice", "ticket", "customer", "order", "report", "session"][i % 6]
        if i % 3 == 0:
            out += [f"export async function summarize{i}{noun.title()}(text: string, userId: string) {{",
                    f"  const prompt = `Summarize this {noun} for ${{userId}}: ${{text}}`;",
                    "  const completion = await openai.chat.completions.create({",
                    '    model: "gpt-4o-mini",',
                    '    messages: [{ role: "user", content: prompt }],',
                    "  });",
                    "  const answer = completion.choices[0].message.content ?? \"\";",
                    f"  console.log(\"{noun} summary\", answer.length);",
                    "  return answer;", "}", ""]
        elif i % 3 == 1:
            out += [f"export async function classify{i}{noun.title()}(body: string) {{",
                    "  try {",
                    "    const message = await anthropic.messages.create({",
                    '      model: "claude-3-5-sonnet-latest",',
                    "      max_tokens: 512,",
                    '      messages: [{ role: "user", content: body }],',
                    "    });",
                    "    return message.content;",
                    "  } catch (error) {",
                    f"    console.error(\"{noun} classification failed\", error);",
                    "    return null;", "  }", "}", ""]
        else:
            out += [f"export function format{i}{noun.title()}(items: string[]): string {{",
                    "  const trimmed = items.map((item) => item.trim()).filter(Boolean);",
                    "  const unique = Array.from(new Set(trimmed));",
                    "  return unique.sort().join(\", \");", "}", ""]
        i += 1
    return "\n".join(out[:lines]) + "\n"


def generated_py(lines):
    out = ["import logging", "from openai import OpenAI", "from anthropic import Anthropic", "",
           "log = logging.getLogger(__name__)", "client = OpenAI()", "claude = Anthropic(timeout=20.0)", "", ""]
    i = 0
    while len(out) < lines:
        noun = ["invoice", "ticket", "customer", "order", "report", "session"][i % 6]
        if i % 3 == 0:
            out += [f"def summarize_{noun}_{i}(text: str, user_id: str) -> str:",
                    f'    prompt = f"Summarize this {noun} for {{user_id}}: {{text}}"',
                    "    completion = client.chat.completions.create(",
                    '        model="gpt-4o-mini",',
                    '        messages=[{"role": "user", "content": prompt}],',
                    "    )",
                    "    answer = completion.choices[0].message.content or \"\"",
                    f'    log.info("{noun} summary %d", len(answer))',
                    "    return answer", "", ""]
        elif i % 3 == 1:
            out += [f"def classify_{noun}_{i}(body: str):",
                    "    try:",
                    "        message = claude.messages.create(",
                    '            model="claude-3-5-sonnet-latest",',
                    "            max_tokens=512,",
                    '            messages=[{"role": "user", "content": body}],',
                    "        )",
                    "        return message.content",
                    "    except Exception:",
                    f'        log.exception("{noun} classification failed")',
                    "        return None", "", ""]
        else:
            out += [f"def format_{noun}_{i}(items: list[str]) -> str:",
                    "    trimmed = [item.strip() for item in items if item.strip()]",
                    "    return \", \".join(sorted(set(trimmed)))", "", ""]
        i += 1
    return "\n".join(out[:lines]) + "\n"


# --- edits -----------------------------------------------------------------

def utf16_len(s):
    return len(s.encode("utf-16-le")) // 2


def position_edit(line, character, end_line, end_character, text):
    return {"range": {"start": {"line": line, "character": character},
                      "end": {"line": end_line, "character": end_character}}, "text": text}


def single_character_edits(text, count, seed):
    """Pairs of edits: a character typed inside a line of code, then deleted."""
    rng = random.Random(seed)
    lines = text.split("\n")
    candidates = [i for i, l in enumerate(lines) if l.strip() and len(l) < 200]
    edits = []
    while len(edits) < count:
        line = rng.choice(candidates)
        column = rng.randint(0, utf16_len(lines[line]))
        char = rng.choice("abcxyz_ 0.(")
        edits.append(position_edit(line, column, line, column, char))
        edits.append(position_edit(line, column, line, column + 1, ""))
    return edits[:count]


def reshaping_edits(text, pairs, language):
    """A function body wrapped in try/catch (try/except), then unwrapped."""
    lines = text.split("\n")
    edits = []
    pattern = re.compile(r"^(export )?(async )?function \w+\(.*\{$") if language != "python" \
        else re.compile(r"^def \w+\(.*:$")
    heads = [i for i, l in enumerate(lines) if pattern.match(l)]
    for head in heads[len(heads) // 3:][:pairs]:
        if language == "python":
            wrap_open = "    try:\n"
            wrap_close = "    except Exception:\n        raise\n"
        else:
            wrap_open = "  try {\n"
            wrap_close = "  } catch (error) {\n    throw error;\n  }\n"
        end = head + 1
        while end < len(lines) and (lines[end].startswith(" ") or lines[end] == "") and not (
                language != "python" and lines[end] == "}"):
            end += 1
        if language == "python":
            while end > head + 1 and lines[end - 1] == "":
                end -= 1
        # Insert the closing first so the opening's line numbers stay valid.
        edits.append([position_edit(end, 0, end, 0, wrap_close), position_edit(head + 1, 0, head + 1, 0, wrap_open)])
        opened = head + 1
        closed = end + 1
        close_lines = wrap_close.count("\n")
        edits.append([position_edit(closed, 0, closed + close_lines, 0, ""),
                      position_edit(opened, 0, opened + 1, 0, "")])
    return edits


def apply_change(text, change):
    """The text after one ranged change (the generated files are ASCII:
    UTF-16 units are characters), for a peer that takes whole texts."""
    def offset(position):
        lines = text.split("\n")
        line = min(position["line"], len(lines) - 1)
        return sum(len(l) + 1 for l in lines[:line]) + min(position["character"], len(lines[line]))
    start, end = offset(change["range"]["start"]), offset(change["range"]["end"])
    return text[:start] + change["text"] + text[end:]


def percentile(samples, p):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round((len(ordered) - 1) * p))]


def wait_published(server, target, path, version, pull):
    """Waits until the editor shows the diagnostics of `version` of `target`
    (see the module's docs): "pushed", "unchanged" (custodia's publisher
    said it had nothing new to send), "pulled", or "late" (nothing within
    10 s: answered by a pull)."""
    if pull:
        server.request("textDocument/diagnostic", {"textDocument": {"uri": target}})
        return "pulled"

    def done(m):
        # A peer may leave the version out, or spell the URI differently.
        if m.get("method") == "textDocument/publishDiagnostics":
            return urllib.parse.unquote(m["params"]["uri"]) == urllib.parse.unquote(target) \
                and m["params"].get("version", version) == version
        return m.get("method") == "custodia/publish" and m["params"]["path"] == path \
            and m["params"]["version"] == version and not m["params"]["sent"]

    published = server.wait(done, 10.0)
    if published is None:
        server.request("textDocument/diagnostic", {"textDocument": {"uri": target}})
        return "late"
    return "pushed" if published["method"] == "textDocument/publishDiagnostics" else "unchanged"


def run_case(server, root, path, edits, reshapes, language, pull, peer=False):
    text = (root / path).read_text(encoding="utf-8")
    target = lsp_wire.uri(root / path)
    server.notify("textDocument/didOpen", {"textDocument": {
        "uri": target, "languageId": language, "version": 1, "text": text}})
    if peer:
        # Not every peer answers pulls: its first push instead.
        opened = server.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                             and urllib.parse.unquote(m["params"]["uri"]) == urllib.parse.unquote(target), 30.0)
    else:
        opened = server.request("textDocument/diagnostic", {"textDocument": {"uri": target}})
    opened_rss = server.rss_mb()
    payload_kb = len(json.dumps(opened)) / 1024.0
    version = 1
    samples, reshape_samples = [], []
    server.timings.clear()
    outcomes = {}
    # The same edits in every run (Python's own str hash is salted per process).
    batches = [([e], samples) for e in single_character_edits(text, edits, zlib.crc32(path.encode()))]
    batches += [(batch, reshape_samples) for batch in reshaping_edits(text, reshapes, language)]
    full_sync = peer and server.full_sync
    current = text
    for changes, into in batches:
        version += 1
        if full_sync:
            for change in changes:
                current = apply_change(current, change)
            changes = [{"text": current}]
        started = time.perf_counter()
        server.notify("textDocument/didChange", {"textDocument": {"uri": target, "version": version},
                                                 "contentChanges": changes})
        outcome = wait_published(server, target, path, version, pull)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        into.append((time.perf_counter() - started) * 1000.0)
    phases = {}
    for timing in server.timings:
        for key, value in timing.items():
            phases.setdefault(key, []).append(value)
    server.notify("textDocument/didClose", {"textDocument": {"uri": target}})
    return samples, reshape_samples, outcomes, phases, opened_rss, payload_kb


def report(name, path, samples, reshapes, outcomes, phases, payload_kb):
    phase_text = ", ".join(f"{k} {statistics.median(v):.2f}" for k, v in phases.items()) or "-"
    print(f"| {name} | `{path}` | {len(samples)} | {percentile(samples, 0.5):.1f} | {percentile(samples, 0.95):.1f} | "
          f"{percentile(samples, 0.99):.1f} | {max(reshapes) if reshapes else float('nan'):.1f} | "
          f"{', '.join(f'{k} {v}' for k, v in sorted(outcomes.items()))} | "
          f"{payload_kb:.0f} | {phase_text} |", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("cases", nargs="*", help="workspaces to run (default: all, plus 'generated')")
    parser.add_argument("--corpus", default="target/corpus")
    parser.add_argument("--binary", default="target/release/custodia")
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--reshapes", type=int, default=3)
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--pull", action="store_true", help="time a pull after each edit instead of the push")
    # ast-grep's server (`ast-grep lsp -c sgconfig.yml`) closed its output
    # in this harness before its first diagnostics, and is not offered yet.
    parser.add_argument("--peer", choices=["ruff"],
                        help="time another server on the generated Python file instead: `ruff server`")
    args = parser.parse_args()
    binary = str(Path(args.binary).resolve())
    command = [binary, "lsp"]
    if args.peer == "ruff":
        command = ["ruff", "server"]
    corpus = Path(args.corpus).resolve()
    # Peers are timed on the generated files only (no workspace index to compare).
    wanted = {"generated"} if args.peer else set(args.cases)
    print("| workspace | file | edits | p50 ms | p95 ms | p99 ms | reshape max ms | edits by outcome | diagnostics KB | "
          "server phases, median ms |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
    memory = []
    by_workspace = {}
    for workspace, path, role in CORPUS_CASES:
        by_workspace.setdefault(workspace, []).append((path, role))
    for workspace, files in by_workspace.items():
        if wanted and workspace not in wanted:
            continue
        root = corpus / workspace
        server, index_s = start(command, root, args.timeout)
        memory.append(f"{workspace}: index {index_s:.2f} s, server RSS after the index {server.rss_mb():.0f} MB")
        for path, role in files:
            language = "python" if path.endswith(".py") else "typescript"
            samples, reshapes, outcomes, phases, _, kb = run_case(server, root, path, args.edits, args.reshapes,
                                                                language, args.pull)
            report(f"{workspace} ({role})", path, samples, reshapes, outcomes, phases, kb)
        server.stop()
    if not wanted or "generated" in wanted:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            (root / "package.json").write_text('{ "name": "generated", "dependencies": { "openai": "4.77.0" } }')
            (root / "services").mkdir()
            (root / "services/ai_service.ts").write_text(generated_ts(args.lines))
            (root / "services/ai_service.py").write_text(generated_py(args.lines))
            # A server per file: the memory one document costs is not hidden
            # by what the allocator kept from the previous one.
            for path, language in [("services/ai_service.ts", "typescript"), ("services/ai_service.py", "python")]:
                if args.peer == "ruff" and language != "python":
                    continue
                server, _ = start(command, root, args.timeout, peer=bool(args.peer))
                before = server.rss_mb()
                samples, reshapes, outcomes, phases, opened, kb = run_case(server, root, path, args.edits,
                                                                         args.reshapes, language, args.pull,
                                                                         bool(args.peer))
                report(f"generated {args.lines}-line" + (f" ({args.peer})" if args.peer else ""), path, samples,
                       reshapes, outcomes, phases, kb)
                memory.append(f"{path}: server RSS {before:.1f} MB before it was opened, {opened:.1f} MB once open "
                              f"and analysed (+{opened - before:.1f} MB), {server.rss_mb():.1f} MB after its edits")
                server.stop()
    print()
    for line in memory:
        print(f"- {line}")


if __name__ == "__main__":
    main()
