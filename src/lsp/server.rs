//! The protocol's entry points: one small handler per method, each handing
//! the work to the [`Session`].

use std::sync::Arc;

use serde_json::Value;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

use super::convert;
use super::protocol::{CLIENT_ANSWER, PLACE_CURSOR, SCAN_WORKSPACE, WRITE_REPORT};
use super::session::{Init, Session};
use super::settings::Settings;
use super::{actions, hover};
use crate::document::{Document, PositionEncoding, TextChange};
use crate::lang::FileKind;

pub struct Server {
    session: Arc<Session>,
}

impl Server {
    pub fn new(client: Client) -> Self {
        let session = Session::new(client);
        tokio::spawn(session.clone().publisher());
        Server { session }
    }

    fn client(&self) -> &Client {
        &self.session.client
    }

    /// Indexes the workspace in the background, reporting progress.
    fn spawn_index(&self, reason: &'static str) {
        let session = self.session.clone();
        tokio::spawn(async move {
            let engine = match session.load_config() {
                Ok(engine) => engine,
                Err((engine, message)) => {
                    session.client.log_message(MessageType::ERROR, format!("custodia: {message}")).await;
                    session
                        .client
                        .show_message(
                            MessageType::ERROR,
                            format!("custodia: {message}. The previous configuration stays in use."),
                        )
                        .await;
                    engine
                }
            };
            // Documents opened before the engine was ready are shown now,
            // before the index (see `Session::preview`).
            session.schedule();
            let progress = match session.init().is_some_and(|i| i.progress) {
                true => {
                    let token = ProgressToken::String(format!("custodia/index/{}", std::process::id()));
                    // A client that does not answer must not hold up the index.
                    let created =
                        tokio::time::timeout(CLIENT_ANSWER, session.client.create_work_done_progress(token.clone()));
                    match created.await.unwrap_or(Err(Error::request_cancelled())) {
                        Ok(()) => Some(
                            session
                                .client
                                .progress(token, "custodia")
                                .with_message(format!("{reason}: indexing the workspace"))
                                .with_percentage(0)
                                .begin()
                                .await,
                        ),
                        Err(_) => None,
                    }
                }
                false => None,
            };
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(usize, usize)>();
            let worker = session.clone();
            let job = super::spawn_analysis(move || {
                worker.index(engine, &|done, total| {
                    let _ = tx.send((done, total));
                })
            });
            while let Some((done, total)) = rx.recv().await {
                if let Some(progress) = &progress {
                    let percentage = (done * 100).checked_div(total).map_or(100, |p| p as u32);
                    progress.report_with_message(format!("{done}/{total} files"), percentage).await;
                }
            }
            let outcome = job.await;
            let message = match outcome {
                Ok(Ok(1)) => "indexed 1 file".to_string(),
                Ok(Ok(files)) => format!("indexed {files} files"),
                Ok(Err(reason)) => format!("indexing stopped: {reason}"),
                Err(err) => format!("indexing failed: {err}"),
            };
            session.client.log_message(MessageType::INFO, format!("custodia: {message}")).await;
            if let Some(progress) = progress {
                progress.finish_with_message(message).await;
            }
        });
    }

    fn apply_settings(&self, value: &Value) -> std::result::Result<bool, String> {
        match Settings::from_value(value)? {
            Some(settings) => {
                let changed = settings != self.session.settings();
                self.session.set_settings(settings);
                Ok(changed)
            }
            None => Ok(false),
        }
    }
}

/// UTF-8 when the client offers it (no conversion at all), else UTF-16.
fn negotiate(capabilities: &ClientCapabilities) -> PositionEncoding {
    let offered = capabilities.general.as_ref().and_then(|g| g.position_encodings.as_ref());
    match offered {
        Some(kinds) if kinds.contains(&PositionEncodingKind::UTF8) => PositionEncoding::Utf8,
        Some(kinds)
            if kinds.contains(&PositionEncodingKind::UTF32) && !kinds.contains(&PositionEncodingKind::UTF16) =>
        {
            PositionEncoding::Utf32
        }
        _ => PositionEncoding::Utf16,
    }
}

fn encoding_kind(encoding: PositionEncoding) -> PositionEncodingKind {
    match encoding {
        PositionEncoding::Utf8 => PositionEncodingKind::UTF8,
        PositionEncoding::Utf16 => PositionEncodingKind::UTF16,
        PositionEncoding::Utf32 => PositionEncodingKind::UTF32,
    }
}

#[allow(deprecated, reason = "root_uri and root_path are how older clients name the workspace")]
fn root_of(params: &InitializeParams) -> Option<std::path::PathBuf> {
    let folder = params.workspace_folders.as_ref().and_then(|f| f.first()).map(|f| f.uri.clone());
    let uri = folder.or_else(|| params.root_uri.clone());
    match uri {
        Some(uri) => uri.to_file_path().map(|p| p.into_owned()),
        None => params.root_path.as_ref().map(std::path::PathBuf::from),
    }
}

impl LanguageServer for Server {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let capabilities = &params.capabilities;
        let encoding = negotiate(capabilities);
        let text_document = capabilities.text_document.as_ref();
        let workspace = capabilities.workspace.as_ref();
        let window = capabilities.window.as_ref();
        let root = root_of(&params)
            .or_else(|| std::env::current_dir().ok())
            .ok_or_else(|| Error::invalid_params("no workspace folder, root URI or working directory"))?;
        let init = Init {
            root,
            encoding,
            pull: text_document.is_some_and(|t| t.diagnostic.is_some()),
            refresh: workspace.and_then(|w| w.diagnostics.as_ref()).and_then(|d| d.refresh_support).unwrap_or(false),
            watch_dynamic: workspace
                .and_then(|w| w.did_change_watched_files.as_ref())
                .and_then(|d| d.dynamic_registration)
                .unwrap_or(false),
            progress: window.and_then(|w| w.work_done_progress).unwrap_or(false),
            show_document: window.and_then(|w| w.show_document.as_ref()).is_some_and(|s| s.support),
        };
        let mut settings_error = None;
        let settings = match params.initialization_options.as_ref().map(Settings::from_value) {
            Some(Ok(Some(settings))) => settings,
            Some(Err(err)) => {
                settings_error = Some(err);
                Settings::default()
            }
            _ => Settings::default(),
        };
        self.session.initialize(init, settings);
        if let Some(err) = settings_error {
            self.client().show_message(MessageType::WARNING, format!("custodia: {err}; using the defaults")).await;
        }
        let mut commands = vec![SCAN_WORKSPACE.to_string(), WRITE_REPORT.to_string()];
        if self.session.init().is_some_and(|i| i.show_document) {
            commands.push(PLACE_CURSOR.to_string());
        }
        Ok(InitializeResult {
            server_info: Some(ServerInfo {
                name: "custodia".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
            capabilities: ServerCapabilities {
                position_encoding: Some(encoding_kind(encoding)),
                text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
                    open_close: Some(true),
                    change: Some(TextDocumentSyncKind::INCREMENTAL),
                    save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                    ..TextDocumentSyncOptions::default()
                })),
                code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
                    code_action_kinds: Some(vec![CodeActionKind::QUICKFIX, actions::fix_all_kind()]),
                    resolve_provider: Some(false),
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                })),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                diagnostic_provider: Some(DiagnosticServerCapabilities::Options(DiagnosticOptions {
                    identifier: Some("custodia".to_string()),
                    inter_file_dependencies: true,
                    workspace_diagnostics: false,
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                })),
                execute_command_provider: Some(ExecuteCommandOptions {
                    commands,
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                }),
                ..ServerCapabilities::default()
            },
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        if self.session.init().is_some_and(|i| i.watch_dynamic) {
            let watchers = [
                "**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs,py}",
                "**/custodia.toml",
                "**/{tsconfig,jsconfig}.json",
                "**/*.{md,markdown,txt,rst}",
            ]
            .into_iter()
            .map(|glob| FileSystemWatcher { glob_pattern: GlobPattern::String(glob.to_string()), kind: None })
            .collect();
            let registration = Registration {
                id: "custodia-watched-files".to_string(),
                method: "workspace/didChangeWatchedFiles".to_string(),
                register_options: serde_json::to_value(DidChangeWatchedFilesRegistrationOptions { watchers }).ok(),
            };
            let registered = tokio::time::timeout(CLIENT_ANSWER, self.client().register_capability(vec![registration]));
            let outcome = match registered.await {
                Ok(outcome) => outcome.map_err(|err| err.to_string()),
                Err(_) => Err(format!("the editor did not answer within {} s", CLIENT_ANSWER.as_secs())),
            };
            if let Err(err) = outcome {
                self.client().log_message(MessageType::WARNING, format!("custodia: cannot watch files: {err}")).await;
            }
        }
        self.spawn_index("start");
    }

    async fn shutdown(&self) -> Result<()> {
        self.session.shut_down();
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let document = params.text_document;
        let Some(path) = self.session.path_of(&document.uri) else {
            return self.outside(&document.uri).await;
        };
        let Some(kind) = FileKind::of(std::path::Path::new(&path)) else { return };
        self.session.documents().insert(path.clone(), Document::new(&document.text, document.version, kind));
        self.session.opened(&path);
        self.session.mark_dirty(path);
        self.session.schedule();
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let Some(path) = self.session.path_of(&params.text_document.uri) else { return };
        let changes: Vec<TextChange> = params
            .content_changes
            .into_iter()
            .map(|c| TextChange {
                range: c.range.map(|r| (convert::text_position(r.start), convert::text_position(r.end))),
                text: c.text,
            })
            .collect();
        let encoding = self.session.encoding();
        // Applied here, before the first `.await`: see the session's docs.
        let outcome = match self.session.documents().get_mut(&path) {
            Some(mut doc) => doc.apply(params.text_document.version, &changes, encoding).map_err(|e| e.to_string()),
            None => Err("the document was never opened (didOpen); the change was ignored".to_string()),
        };
        match outcome {
            Ok(()) => {
                self.session.mark_dirty(path);
                self.session.schedule();
            }
            Err(reason) => {
                self.client().log_message(MessageType::WARNING, format!("custodia: {path}: {reason}")).await;
            }
        }
    }

    async fn did_save(&self, _: DidSaveTextDocumentParams) {}

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let Some(path) = self.session.path_of(&params.text_document.uri) else { return };
        if self.session.documents().remove(&path).is_some() {
            // The file on disk is the truth again (or the file is gone).
            self.session.mark_dirty(path);
            self.session.schedule();
        }
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let mut reindex = None;
        let mut dirty = false;
        for change in params.changes {
            let Some(path) = self.session.path_of(&change.uri) else { continue };
            let name = path.rsplit('/').next().unwrap_or(&path);
            if name == "custodia.toml" {
                reindex = Some("custodia.toml changed");
            } else if name == "tsconfig.json" || name == "jsconfig.json" {
                reindex = reindex.or(Some("path aliases changed"));
            } else if !self.session.documents().contains_key(&path) {
                // An open document's text comes from the editor, not the disk.
                self.session.mark_dirty(path);
                dirty = true;
            }
        }
        if let Some(reason) = reindex {
            self.client().log_message(MessageType::INFO, format!("custodia: {reason}; re-indexing")).await;
            self.spawn_index(reason);
        } else if dirty {
            self.session.schedule();
        }
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        match self.apply_settings(&params.settings) {
            Ok(true) => {
                let session = self.session.clone();
                super::spawn_analysis(move || session.settings_changed());
            }
            Ok(false) => {}
            Err(err) => {
                self.client().show_message(MessageType::WARNING, format!("custodia: {err}; settings unchanged")).await;
            }
        }
    }

    async fn diagnostic(&self, params: DocumentDiagnosticParams) -> Result<DocumentDiagnosticReportResult> {
        self.session.wait_ready().await;
        let path = self.session.path_of(&params.text_document.uri);
        let session = self.session.clone();
        // Bring the project up to date first: the editor asks right after an edit.
        let _ = super::spawn_analysis(move || session.analyze()).await;
        let settings = self.session.settings();
        let diagnostics = path.and_then(|p| self.session.diagnostics(&p));
        let items = match diagnostics {
            Some(d) if settings.enable => std::sync::Arc::unwrap_or_clone(d.items),
            _ => Vec::new(),
        };
        let result_id = format!("{:x}", hash_of(&items));
        if params.previous_result_id.as_deref() == Some(result_id.as_str()) {
            return Ok(DocumentDiagnosticReportResult::Report(DocumentDiagnosticReport::Unchanged(
                RelatedUnchangedDocumentDiagnosticReport {
                    related_documents: None,
                    unchanged_document_diagnostic_report: UnchangedDocumentDiagnosticReport { result_id },
                },
            )));
        }
        Ok(DocumentDiagnosticReportResult::Report(DocumentDiagnosticReport::Full(
            RelatedFullDocumentDiagnosticReport {
                related_documents: None,
                full_document_diagnostic_report: FullDocumentDiagnosticReport { result_id: Some(result_id), items },
            },
        )))
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        self.session.wait_ready().await;
        let session = self.session.clone();
        // Fixes are computed from the current analysis: bring it up to date
        // with the edits that came before this request, off the async threads.
        let actions = super::spawn_analysis(move || {
            session.analyze();
            actions::code_actions(&session, &params)
        });
        actions.await.map_err(|e| internal(e.to_string()))
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        self.session.wait_ready().await;
        let position = params.text_document_position_params;
        let Some(path) = self.session.path_of(&position.text_document.uri) else { return Ok(None) };
        Ok(hover::hover(&self.session, &path, position.position))
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<LSPAny>> {
        if matches!(params.command.as_str(), SCAN_WORKSPACE | WRITE_REPORT) {
            self.session.wait_ready().await;
        }
        match params.command.as_str() {
            SCAN_WORKSPACE => {
                let session = self.session.clone();
                let engine = session.engine().ok_or_else(Error::invalid_request)?;
                let outcome = super::spawn_analysis(move || {
                    session.index(engine, &|_, _| {})?;
                    Ok::<_, String>(session.summary())
                })
                .await
                .map_err(|e| internal(e.to_string()))?;
                outcome.map(Some).map_err(internal)
            }
            WRITE_REPORT => {
                let session = self.session.clone();
                let target =
                    params.arguments.first().and_then(|a| a.get("path")).and_then(Value::as_str).map(String::from);
                let written = super::spawn_analysis(move || super::write_report::write(&session, target.as_deref()))
                    .await
                    .map_err(|e| internal(e.to_string()))?
                    .map_err(internal)?;
                self.client().show_message(MessageType::INFO, format!("custodia: report written to {written}")).await;
                Ok(Some(serde_json::json!({ "path": written })))
            }
            PLACE_CURSOR => {
                let (Some(uri), Some(position)) = (
                    params.arguments.first().and_then(|v| serde_json::from_value::<Uri>(v.clone()).ok()),
                    params.arguments.get(1).and_then(|v| serde_json::from_value::<Position>(v.clone()).ok()),
                ) else {
                    return Err(Error::invalid_params("expected [uri, position]"));
                };
                let shown = ShowDocumentParams {
                    uri,
                    external: Some(false),
                    take_focus: Some(true),
                    selection: Some(Range::new(position, position)),
                };
                let _ = self.client().show_document(shown).await;
                Ok(None)
            }
            other => Err(Error::invalid_params(format!("unknown command `{other}`"))),
        }
    }
}

/// `custodia/syntaxTree` parameters.
#[derive(Debug, serde::Deserialize)]
pub struct SyntaxTreeParams {
    pub uri: Uri,
}

impl Server {
    /// `custodia/syntaxTree`: an open document's text, version and every node
    /// of its incrementally maintained tree as `[kind, start byte, end byte]`,
    /// in document order. For tests and for debugging an editor session.
    pub async fn syntax_tree(&self, params: SyntaxTreeParams) -> Result<Value> {
        let path = self.session.path_of(&params.uri).ok_or_else(|| Error::invalid_params("outside the workspace"))?;
        let document = self.session.documents().get(&path).ok_or_else(|| Error::invalid_params("not open"))?;
        let mut nodes = Vec::new();
        if let Some(tree) = document.tree() {
            let mut cursor = tree.walk();
            'walk: loop {
                let node = cursor.node();
                nodes.push(serde_json::json!([node.kind(), node.start_byte(), node.end_byte()]));
                if cursor.goto_first_child() {
                    continue;
                }
                while !cursor.goto_next_sibling() {
                    if !cursor.goto_parent() {
                        break 'walk;
                    }
                }
            }
        }
        Ok(serde_json::json!({ "version": document.version(), "text": document.text(), "nodes": nodes }))
    }

    async fn outside(&self, uri: &Uri) {
        self.client()
            .log_message(
                MessageType::INFO,
                format!("custodia: {} is outside the workspace folder; it is not analysed", uri.as_str()),
            )
            .await;
    }
}

fn internal(message: String) -> Error {
    Error { code: tower_lsp_server::jsonrpc::ErrorCode::InternalError, message: message.into(), data: None }
}

fn hash_of(items: &[Diagnostic]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    serde_json::to_string(items).unwrap_or_default().hash(&mut hasher);
    hasher.finish()
}
