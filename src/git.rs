//! What git says about the code scanned: the remote, commit, branch and
//! working-tree state, and the links to a line of code at that commit on a
//! known forge.
//!
//! Every remote URL custodia records or prints goes through
//! [`public_remote`] first: CI systems clone with credentials in the URL
//! (`https://x-access-token:<token>@github.com/…`, GitLab's
//! `https://gitlab-ci-token:<token>@gitlab.com/…`), and a report handed to an
//! auditor, a history committed to the repository or a SARIF file uploaded to
//! a dashboard must not carry them.

use std::path::Path;
use std::process::Command;

/// Where the code came from, as git says (absent outside a repository).
#[derive(Debug, Clone, Default)]
pub struct SourceIdentity {
    /// The remote `origin`, credentials removed ([`public_remote`]).
    pub repository: Option<String>,
    pub commit: Option<String>,
    pub branch: Option<String>,
    /// Uncommitted changes were present: the scan is not of the commit alone.
    pub dirty: Option<bool>,
    /// The scanned directory relative to the repository's top (`""` at the
    /// top, else ending in `/`): finding paths are relative to the scanned
    /// directory, links to the forge need them relative to the repository.
    pub prefix: String,
}

/// Asks git about `dir`; everything is `None` outside a repository or
/// without git.
pub fn identity(dir: &Path) -> SourceIdentity {
    let git = |args: &[&str]| -> Option<String> {
        let output = Command::new("git").arg("-C").arg(dir).args(args).output().ok()?;
        output.status.success().then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
    };
    let Some(commit) = git(&["rev-parse", "HEAD"]) else { return SourceIdentity::default() };
    SourceIdentity {
        repository: git(&["remote", "get-url", "origin"]).filter(|r| !r.is_empty()).map(|r| public_remote(&r)),
        branch: git(&["rev-parse", "--abbrev-ref", "HEAD"]),
        // custodia's own records (`.custodia/`, committed, appended by
        // every `--record`) are not the code scanned: a history one scan
        // ahead of its commit does not make the code "uncommitted".
        dirty: git(&[
            "status",
            "--porcelain",
            "--untracked-files=no",
            "--",
            ":/",
            ":(top,exclude,glob)**/.custodia/**",
        ])
        .map(|s| !s.is_empty()),
        prefix: git(&["rev-parse", "--show-prefix"]).unwrap_or_default(),
        commit: Some(commit),
    }
}

/// A remote URL without the credentials it may carry.
///
/// - A URL with a scheme (`https://`, `http://`, `ftp://`, …) loses its whole
///   userinfo, also a user name alone: GitHub and GitLab accept a token as
///   the user name (`https://<token>@github.com/…`).
/// - `ssh://` keeps a user name without a password (`ssh://git@host/…`): ssh
///   authenticates with a key, and the user name is part of the address.
///   A password there is removed.
/// - The scp-like form `git@github.com:acme/app.git` keeps its `git@` for the
///   same reason; a `user:password@` there loses the password.
/// - Local paths are unchanged.
pub fn public_remote(url: &str) -> String {
    let url = url.trim();
    if let Some((scheme, rest)) = url.split_once("://") {
        // The authority ends where the path, query or fragment begins.
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let Some((userinfo, host)) = authority.rsplit_once('@') else { return url.to_string() };
        let ssh = matches!(scheme.to_ascii_lowercase().as_str(), "ssh" | "git+ssh" | "ssh+git");
        return match userinfo.split_once(':') {
            None if ssh && !userinfo.is_empty() => format!("{scheme}://{userinfo}@{host}{tail}"),
            Some((user, _)) if ssh && !user.is_empty() => format!("{scheme}://{user}@{host}{tail}"),
            _ => format!("{scheme}://{host}{tail}"),
        };
    }
    // scp-like `[user[:password]@]host:path`: the host is followed by a
    // colon before any slash; not a local path (`./a@b`, `C:\\…`).
    let head = url.split(['/', '\\']).next().unwrap_or(url);
    if let Some(at) = head.rfind('@') {
        let (userinfo, rest) = (&url[..at], &url[at + 1..]);
        if rest.split('/').next().is_some_and(|host| host.contains(':')) {
            let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
            return if user.is_empty() { rest.to_string() } else { format!("{user}@{rest}") };
        }
    }
    url.to_string()
}

/// A public remote as an absolute URI (SARIF's `repositoryUri` must be
/// one): the scp-like `git@host:path` becomes `ssh://git@host/path`; a
/// local path has none.
pub fn remote_uri(remote: &str) -> Option<String> {
    let remote = public_remote(remote);
    if remote.contains("://") {
        return Some(remote);
    }
    let (before, path) = remote.split_once(':')?;
    if before.len() < 2 || before.contains('/') || before.contains('\\') {
        return None;
    }
    Some(format!("ssh://{before}/{}", path.trim_start_matches('/')))
}

/// A forge custodia knows how to link to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Forge {
    GitHub,
    GitLab,
    Bitbucket,
}

/// Links to lines of code at one commit on a known forge (github.com,
/// gitlab.com, bitbucket.org). Self-hosted forges are not guessed at: a
/// wrong link in an auditor's file is worse than none.
#[derive(Debug, Clone)]
pub struct CodeLinks {
    forge: Forge,
    /// `https://github.com/acme/app`, without `.git`.
    base: String,
    commit: String,
    prefix: String,
}

impl CodeLinks {
    /// For a remote (already public or not: credentials never reach the
    /// link), a commit and the scanned directory's prefix in the repository.
    pub fn new(remote: &str, commit: &str, prefix: &str) -> Option<CodeLinks> {
        let remote = public_remote(remote);
        let (host, path) = if let Some((_, rest)) = remote.split_once("://") {
            let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
            rest.split_once('/')?
        } else {
            let (host, path) = remote.split_once(':')?;
            (host.rsplit_once('@').map_or(host, |(_, h)| h), path)
        };
        // A port (`ssh://git@github.com:22/…`) is not part of the web address.
        let host = host.split(':').next().unwrap_or(host).to_ascii_lowercase();
        let forge = match host.as_str() {
            "github.com" | "www.github.com" => Forge::GitHub,
            "gitlab.com" | "www.gitlab.com" => Forge::GitLab,
            "bitbucket.org" | "www.bitbucket.org" => Forge::Bitbucket,
            _ => return None,
        };
        let path = path.trim_matches('/');
        let path = path.strip_suffix(".git").unwrap_or(path);
        let safe = |c: char| c.is_ascii_alphanumeric() || "-_./".contains(c);
        if path.split('/').count() < 2 || !path.chars().all(safe) || path.contains("..") {
            return None;
        }
        if commit.len() < 7 || !commit.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        Some(CodeLinks {
            forge,
            base: format!("https://{}/{path}", host.trim_start_matches("www.")),
            commit: commit.to_string(),
            prefix: prefix.to_string(),
        })
    }

    /// The address of `line` in `path` (relative to the scanned directory).
    pub fn line(&self, path: &str, line: u32) -> String {
        let file: String = format!("{}{path}", self.prefix).split('/').map(encode).collect::<Vec<_>>().join("/");
        let commit = &self.commit;
        match self.forge {
            Forge::GitHub => format!("{}/blob/{commit}/{file}#L{line}", self.base),
            Forge::GitLab => format!("{}/-/blob/{commit}/{file}#L{line}", self.base),
            Forge::Bitbucket => format!("{}/src/{commit}/{file}#lines-{line}", self.base),
        }
    }
}

/// Percent-encodes a path segment (RFC 3986 unreserved characters stay).
fn encode(segment: &str) -> String {
    let mut out = String::new();
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_removed_from_remotes() {
        let cases = [
            ("https://alice:ghp_secret123@github.com/acme/app.git", "https://github.com/acme/app.git"),
            ("https://gitlab-ci-token:glcbt-abc@gitlab.com/acme/app.git", "https://gitlab.com/acme/app.git"),
            ("https://x-access-token:ghs_abc@github.com/acme/app", "https://github.com/acme/app"),
            // A token as the user name alone.
            ("https://ghp_secret123@github.com/acme/app.git", "https://github.com/acme/app.git"),
            ("http://user:p%40ss@host:8080/r.git?x=1", "http://host:8080/r.git?x=1"),
            ("https://github.com/acme/app.git", "https://github.com/acme/app.git"),
            // ssh: the user name is the address, a password is not.
            ("ssh://git@github.com/acme/app.git", "ssh://git@github.com/acme/app.git"),
            ("ssh://git:hunter2@host/app.git", "ssh://git@host/app.git"),
            ("git@github.com:acme/app.git", "git@github.com:acme/app.git"),
            ("alice:hunter2@host:app.git", "alice@host:app.git"),
            ("/srv/git/app.git", "/srv/git/app.git"),
            ("../app", "../app"),
            ("file:///srv/git/app.git", "file:///srv/git/app.git"),
        ];
        for (url, public) in cases {
            assert_eq!(public_remote(url), public, "{url}");
        }
    }

    #[test]
    fn remotes_as_uris() {
        assert_eq!(remote_uri("git@github.com:acme/app.git").as_deref(), Some("ssh://git@github.com/acme/app.git"));
        assert_eq!(remote_uri("https://a:b@github.com/acme/app").as_deref(), Some("https://github.com/acme/app"));
        assert_eq!(remote_uri("/srv/git/app.git"), None);
    }

    #[test]
    fn links_to_known_forges_only() {
        let commit = "0123456789abcdef0123456789abcdef01234567";
        let link =
            |remote: &str, prefix: &str| CodeLinks::new(remote, commit, prefix).map(|l| l.line("src/a b.ts", 12));
        assert_eq!(
            link("https://alice:ghp_secret123@github.com/acme/app.git", ""),
            Some(format!("https://github.com/acme/app/blob/{commit}/src/a%20b.ts#L12"))
        );
        assert_eq!(
            link("git@gitlab.com:acme/group/app.git", "web/"),
            Some(format!("https://gitlab.com/acme/group/app/-/blob/{commit}/web/src/a%20b.ts#L12"))
        );
        assert_eq!(
            link("ssh://git@bitbucket.org/acme/app.git", ""),
            Some(format!("https://bitbucket.org/acme/app/src/{commit}/src/a%20b.ts#lines-12"))
        );
        assert_eq!(link("https://git.example.com/acme/app.git", ""), None);
        assert_eq!(link("/srv/git/app.git", ""), None);
        assert_eq!(CodeLinks::new("https://github.com/acme/app", "not-a-commit", "").map(|_| ()), None);
    }
}
