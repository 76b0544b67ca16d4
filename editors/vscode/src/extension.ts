// The VS Code extension: starts `custodia lsp`, exposes its settings and
// commands, and shows the findings by SOC 2 criterion in the status bar.

import * as vscode from "vscode";
import { LanguageClient, type LanguageClientOptions, type ServerOptions } from "vscode-languageclient/node";

import {
  LANGUAGES,
  type Settings,
  countByCriterion,
  findBinary,
  initializationOptions,
  missingBinaryMessage,
  serverCommand,
} from "./options";

let client: LanguageClient | undefined;
let status: vscode.StatusBarItem | undefined;

function settings(): Settings {
  const config = vscode.workspace.getConfiguration("custodia");
  return {
    path: config.get<string>("path", ""),
    enable: config.get<boolean>("enable", true),
    maxTokens: config.get<number>("fixes.maxTokens", 1024),
    scope: config.get<"workspace" | "openFiles">("diagnostics.scope", "workspace"),
  };
}

async function start(context: vscode.ExtensionContext): Promise<void> {
  const current = settings();
  const binary = findBinary(current.path);
  if (binary === undefined) {
    const choice = await vscode.window.showErrorMessage(missingBinaryMessage(current.path), "Open settings");
    if (choice === "Open settings") {
      await vscode.commands.executeCommand("workbench.action.openSettings", "custodia.path");
    }
    return;
  }
  const run = serverCommand(binary);
  const serverOptions: ServerOptions = { run, debug: run };
  const clientOptions: LanguageClientOptions = {
    documentSelector: LANGUAGES.map((language) => ({ scheme: "file", language })),
    initializationOptions: initializationOptions(current),
    outputChannelName: "custodia",
  };
  client = new LanguageClient("custodia", "custodia", serverOptions, clientOptions);
  await client.start();
  context.subscriptions.push({ dispose: () => void client?.stop() });
}

function updateStatus(): void {
  if (status === undefined) {
    return;
  }
  const messages = vscode.languages
    .getDiagnostics()
    .flatMap(([, diagnostics]) => diagnostics)
    .filter((d) => d.source === "custodia")
    .map((d) => d.message);
  const { total, text } = countByCriterion(messages);
  status.text = total === 0 ? "$(shield) custodia" : `$(shield) custodia ${total}`;
  status.tooltip = total === 0 ? "custodia: no findings" : `custodia findings by criterion: ${text}`;
  status.show();
}

async function executeServerCommand(command: string, args: unknown[] = []): Promise<unknown> {
  if (client === undefined) {
    void vscode.window.showErrorMessage("custodia: the language server is not running.");
    return undefined;
  }
  return client.sendRequest("workspace/executeCommand", { command, arguments: args });
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 0);
  status.command = "workbench.actions.view.problems";
  context.subscriptions.push(status, vscode.languages.onDidChangeDiagnostics(updateStatus));
  context.subscriptions.push(
    vscode.commands.registerCommand("custodia.scanWorkspace", async () => {
      const summary = (await executeServerCommand("custodia.scanWorkspace")) as { findings?: number; files?: number } | undefined;
      if (summary !== undefined) {
        void vscode.window.showInformationMessage(`custodia: ${summary.findings ?? 0} findings in ${summary.files ?? 0} files.`);
      }
    }),
    vscode.commands.registerCommand("custodia.writeReport", async () => {
      const target = await vscode.window.showInputBox({
        prompt: "Where to write the report (relative to the workspace; .html, .pdf, .md, .sarif or .json)",
        value: "custodia-report.html",
      });
      if (target !== undefined) {
        await executeServerCommand("custodia.writeReport", [{ path: target }]);
      }
    }),
    vscode.commands.registerCommand("custodia.restartServer", async () => {
      if (client !== undefined) {
        await client.stop();
        client = undefined;
      }
      await start(context);
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("custodia.path")) {
        await vscode.commands.executeCommand("custodia.restartServer");
      } else if (event.affectsConfiguration("custodia") && client !== undefined) {
        await client.sendNotification("workspace/didChangeConfiguration", { settings: initializationOptions(settings()) });
      }
    }),
  );
  await start(context);
  updateStatus();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
