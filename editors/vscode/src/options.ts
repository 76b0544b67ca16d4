// How the extension starts custodia and what it sends it: shared by the
// extension and by the protocol test, which starts `custodia lsp` with these
// same options outside VS Code. No `vscode` import here.

import * as fs from "node:fs";
import * as path from "node:path";

/** The extension's settings (package.json `contributes.configuration`). */
export interface Settings {
  path: string;
  enable: boolean;
  maxTokens: number;
  scope: "workspace" | "openFiles";
}

export const DEFAULTS: Settings = { path: "", enable: true, maxTokens: 1024, scope: "workspace" };

/** The languages custodia reads, as VS Code names them. */
export const LANGUAGES = ["typescript", "typescriptreact", "javascript", "javascriptreact", "python"];

/** The `custodia` binary: the `custodia.path` setting, else the first on PATH. */
export function findBinary(configured: string, envPath = process.env.PATH ?? ""): string | undefined {
  if (configured.trim() !== "") {
    return fs.existsSync(configured) ? configured : undefined;
  }
  const names = process.platform === "win32" ? ["custodia.exe", "custodia"] : ["custodia"];
  for (const dir of envPath.split(path.delimiter)) {
    for (const name of names) {
      const candidate = path.join(dir, name);
      if (dir !== "" && fs.existsSync(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}

/** What to run: `custodia lsp` over stdio. */
export function serverCommand(binary: string): { command: string; args: string[] } {
  return { command: binary, args: ["lsp"] };
}

/** The server's settings, as it reads them (docs/LSP.md, "Settings"). */
export function initializationOptions(settings: Settings): { custodia: object } {
  return {
    custodia: {
      enable: settings.enable,
      diagnostics: { scope: settings.scope },
      fixes: { maxTokens: settings.maxTokens },
    },
  };
}

/** Shown when the binary cannot be found. */
export function missingBinaryMessage(configured: string): string {
  return configured.trim() !== ""
    ? `custodia: the binary set in "custodia.path" (${configured}) does not exist.`
    : "custodia: the `custodia` binary is not on PATH. Install it with `cargo install --path .` from a clone of custodia, or set \"custodia.path\".";
}

/** "CC6.1 3 · A1.1 9" from diagnostic messages that start with `[SOC 2 X] `. */
export function countByCriterion(messages: string[]): { total: number; text: string } {
  const counts = new Map<string, number>();
  for (const message of messages) {
    const match = /^\[SOC 2 ([A-Z0-9.]+)\]/.exec(message);
    const key = match ? match[1] : "other";
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const text = [...counts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([criterion, n]) => `${criterion} ${n}`)
    .join(" · ");
  return { total: messages.length, text };
}
