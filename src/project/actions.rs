//! Server actions only server code calls. Next.js gives an action an ID the
//! browser can call only when client code references it
//! (`frameworks::nextjs::ActionReference`); an action a route handler
//! imports as a helper is not an endpoint, and the routes that call it
//! reach it as a function. Both drivers ask this of the same files: the
//! scan reads them from disk, the editor has them in memory.

use std::collections::HashSet;

use crate::facts::FileFacts;
use crate::frameworks::Framework;
use crate::frameworks::nextjs::{self, ActionReference};

/// A server action of the project: the file that declares it and its name.
pub type Action = (usize, String);

/// The server actions of `facts` (indexed as the project's files).
pub fn actions(facts: &[FileFacts]) -> Vec<Action> {
    facts
        .iter()
        .enumerate()
        .flat_map(|(i, f)| {
            f.entrypoints.iter().filter(|e| e.framework == Framework::ServerAction).map(move |e| (i, e.path.clone()))
        })
        .collect()
}

/// Which of `actions` are server code only. `paths` are the project's
/// script files (the action files among them), `manifest_dirs` the
/// directories holding a `package.json`; only the files of an action's own
/// app (under the nearest directory with `next.config.*` or a
/// `package.json`) are read, one at a time, with `text`.
pub fn server_only<'p, K: Copy>(
    actions: &[Action],
    action_path: impl Fn(usize) -> &'p str,
    scripts: &[(&'p str, K)],
    manifest_dirs: &[&'p str],
    mut text: impl FnMut(K) -> Option<String>,
) -> Vec<bool> {
    if actions.is_empty() {
        return Vec::new();
    }
    let mut app_dirs: HashSet<&str> = manifest_dirs.iter().copied().collect();
    app_dirs.extend(scripts.iter().filter(|(p, _)| nextjs::is_config_file(p)).map(|(p, _)| parent(p)));
    let apps: Vec<(&str, &str)> = actions
        .iter()
        .map(|(file, _)| {
            let own = action_path(*file);
            let mut dir = parent(own);
            while !dir.is_empty() && !app_dirs.contains(dir) {
                dir = parent(dir);
            }
            (own, dir)
        })
        .collect();
    let within = |path: &str, dir: &str| dir.is_empty() || path.strip_prefix(dir).is_some_and(|r| r.starts_with('/'));
    let mut references: Vec<Vec<ActionReference>> = vec![Vec::new(); actions.len()];
    for &(path, key) in scripts {
        if !apps.iter().any(|(_, app)| within(path, app)) {
            continue;
        }
        let Some(text) = text(key) else { continue };
        for (n, (_, name)) in actions.iter().enumerate() {
            let (own, app) = apps[n];
            if path != own && within(path, app) && text.contains(name.as_str()) {
                references[n].push(ActionReference::of(name, path, &text));
            }
        }
    }
    references.into_iter().map(ActionReference::server_only).collect()
}

/// The directory of a `/`-separated relative path (`""` at the root).
fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}
