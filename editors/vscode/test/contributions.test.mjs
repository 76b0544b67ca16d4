// Every command and setting the code uses is contributed in package.json,
// and every contribution is used: a renamed setting cannot go unnoticed.
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
const source = fs.readdirSync(path.join(root, "src")).map((f) => fs.readFileSync(path.join(root, "src", f), "utf8")).join("\n");

test("commands in code and in package.json are the same", () => {
  const contributed = manifest.contributes.commands.map((c) => c.command).sort();
  const registered = [...source.matchAll(/registerCommand\("([^"]+)"/g)].map((m) => m[1]).sort();
  assert.deepEqual(registered, contributed);
  for (const command of manifest.contributes.commands) {
    assert.equal(command.category, "Custodia");
  }
});

test("settings in code and in package.json are the same", () => {
  const contributed = Object.keys(manifest.contributes.configuration.properties).sort();
  const read = [...source.matchAll(/config\.get<[^>]+>\("([^"]+)"/g)].map((m) => `custodia.${m[1]}`);
  // The trace setting is read by vscode-languageclient itself (`<id>.trace.server`).
  const used = [...read, "custodia.trace.server"].sort();
  assert.deepEqual(used, contributed);
});

test("the extension activates for the languages the server reads", () => {
  const languages = manifest.activationEvents.map((e) => e.replace("onLanguage:", "")).sort();
  assert.deepEqual(languages, ["javascript", "javascriptreact", "python", "typescript", "typescriptreact"]);
  assert.match(source, /LANGUAGES = \["typescript", "typescriptreact", "javascript", "javascriptreact", "python"\]/);
});
