// Starts `custodia lsp` with the options the extension uses (dist/options.js,
// built from src/options.ts) and speaks to it through the same protocol
// library vscode-languageclient uses: initialize, open a file, receive
// custodia's diagnostics. CUSTODIA_BIN names the binary (default: the one
// `cargo build` leaves in ../../target/debug).
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createRequire } from "node:module";

import * as protocol from "vscode-languageserver-protocol/node";

const require = createRequire(import.meta.url);
const options = require("../dist/options.js");
const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../../..");
const binary = process.env.CUSTODIA_BIN ?? path.join(repo, "target", "debug", "custodia");

const AI = `import OpenAI from "openai";

const openai = new OpenAI({ timeout: 20_000 });

export async function answer(question: string) {
  try {
    const completion = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: question }],
    });
    return completion.choices[0].message.content;
  } catch (error) {
    console.error("model call failed", error);
    return null;
  }
}
`;

test("custodia lsp answers initialize and publishes diagnostics", async () => {
  assert.ok(fs.existsSync(binary), `no custodia binary at ${binary} (cargo build, or set CUSTODIA_BIN)`);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "custodia-vscode-"));
  fs.mkdirSync(path.join(root, "lib"));
  fs.writeFileSync(path.join(root, "lib", "ai.ts"), AI);
  fs.writeFileSync(path.join(root, "package.json"), '{ "name": "support-bot" }\n');

  const run = options.serverCommand(binary);
  assert.deepEqual(run.args, ["lsp"]);
  const child = spawn(run.command, run.args, { stdio: ["pipe", "pipe", "inherit"] });
  const connection = protocol.createProtocolConnection(
    new protocol.StreamMessageReader(child.stdout),
    new protocol.StreamMessageWriter(child.stdin),
  );
  // However an assertion ends the test, the server goes: a live child
  // process would keep the test runner waiting.
  try {
    const uri = pathToFileURL(path.join(root, "lib", "ai.ts")).toString();
    const diagnostics = new Promise((resolve) => {
      connection.onNotification(protocol.PublishDiagnosticsNotification.type, (params) => {
        if (params.uri === uri && params.diagnostics.length > 0) {
          resolve(params.diagnostics);
        }
      });
    });
    connection.listen();

    const result = await connection.sendRequest(protocol.InitializeRequest.type, {
      processId: process.pid,
      rootUri: pathToFileURL(root).toString(),
      capabilities: {},
      initializationOptions: options.initializationOptions({ ...options.DEFAULTS, maxTokens: 512 }),
    });
    assert.equal(result.serverInfo.name, "custodia");
    assert.equal(result.capabilities.textDocumentSync.change, protocol.TextDocumentSyncKind.Incremental);
    await connection.sendNotification(protocol.InitializedNotification.type, {});
    await connection.sendNotification(protocol.DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: "typescript", version: 1, text: AI },
    });

    const published = await Promise.race([
      diagnostics,
      new Promise((_, reject) => setTimeout(() => reject(new Error("no diagnostics within 20 s")), 20_000)),
    ]);
    const cap = published.find((d) => d.code === "missing-token-cap");
    assert.ok(cap, JSON.stringify(published));
    assert.equal(cap.source, "custodia");
    assert.match(cap.message, /^\[SOC 2 A1\.1\] /);
    assert.deepEqual(options.countByCriterion(published.map((d) => d.message)).total, published.length);

    // The quick fix, computed when asked, carries the configured value.
    const actions = await connection.sendRequest(protocol.CodeActionRequest.type, {
      textDocument: { uri },
      range: cap.range,
      context: { diagnostics: [cap] },
    });
    assert.match(JSON.stringify(actions), /max_completion_tokens: 512/);

    await connection.sendRequest(protocol.ShutdownRequest.type);
    await connection.sendNotification(protocol.ExitNotification.type);
  } finally {
    connection.dispose();
    child.kill();
  }
});

test("a missing binary is reported with how to install it", () => {
  assert.equal(options.findBinary("", "/nonexistent-dir"), undefined);
  assert.match(options.missingBinaryMessage(""), /cargo install --path \./);
  assert.match(options.missingBinaryMessage("/opt/custodia"), /custodia\.path/);
});
