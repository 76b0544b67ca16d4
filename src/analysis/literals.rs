//! Literals that matter on their own: model-provider API keys written in the
//! code, and the URLs model clients are pointed at.
//!
//! Literal defaults are literals: `process.env.KEY ?? "sk-..."` and
//! `os.getenv("OPENAI_BASE_URL", "http://...")` report at the literal.

use rustc_hash::FxHashSet as HashSet;

use crate::facts::{EndpointLiteral, SecretLiteral};
use crate::ir::{Arg, Expr, ScopeId};
use crate::source::Span;

use super::Analyzer;
use super::objects::Options;
use super::scope::Lookup;

/// No provider key pattern matches anything shorter.
pub(crate) const MIN_KEY_LEN: usize = 20;

/// A key someone typed rather than a provider issued: a run of six or more
/// consecutive letters or digits (`sk-abcdef…`, `…123456…`), one character
/// six times in a row (`sk-xxxxxx…`), a short pattern repeated
/// (`sk-abcabcabc…`), or too little variety for a random key (issued keys
/// are base-62 noise: over 5 bits of entropy per character; these are
/// test data, docs and placeholders, under 3.5).
pub(crate) fn is_made_up(key: &str) -> bool {
    let body: Vec<u8> = key.bytes().filter(u8::is_ascii_alphanumeric).collect();
    if body.len() < 12 {
        return false;
    }
    let (mut ascending, mut same) = (1, 1);
    for pair in body.windows(2) {
        let step = pair[1].to_ascii_lowercase() as i16 - pair[0].to_ascii_lowercase() as i16;
        ascending = if step == 1 { ascending + 1 } else { 1 };
        same = if step == 0 { same + 1 } else { 1 };
        if ascending >= 6 || same >= 6 {
            return true;
        }
    }
    let repeated = (1..=8).any(|period| {
        body.len() >= period * 3 && body.iter().enumerate().skip(period).all(|(i, b)| *b == body[i - period])
    });
    repeated || entropy(&body) < 3.5
}

/// Shannon entropy in bits per character.
fn entropy(bytes: &[u8]) -> f64 {
    let mut counts = [0usize; 256];
    for b in bytes {
        counts[*b as usize] += 1;
    }
    let n = bytes.len() as f64;
    counts.iter().filter(|c| **c > 0).map(|c| *c as f64 / n).map(|p| -p * p.log2()).sum()
}

impl<'a, 's> Analyzer<'a, 's> {
    pub(super) fn literals(&mut self) {
        let credential_spans = self.secrets_in_credentials();
        let mut seen: HashSet<Span> = self.facts.secrets.iter().map(|s| s.location.span).collect();
        let walked = self.walked;
        for s in &walked.strings {
            if seen.contains(&s.span) {
                continue;
            }
            if let Some((provider, key)) = self.match_key(s.value, credential_spans.contains(&s.span)) {
                seen.insert(s.span);
                self.facts.secrets.push(SecretLiteral { provider, location: self.locate(s.span), preview: mask(key) });
            }
        }
        self.endpoints();
    }

    fn match_key<'v>(&self, value: &'v str, as_credential: bool) -> Option<(String, &'v str)> {
        for pattern in &self.catalog.keys {
            if (pattern.context && !as_credential) || !value.contains(pattern.prefix.as_str()) {
                continue;
            }
            for m in pattern.pattern.find_iter(value) {
                let key = m.as_str();
                if is_token(value, m.start(), m.end()) && has_letters_and_digits(key) && !self.is_placeholder(key) {
                    return Some((pattern.provider.clone(), key));
                }
            }
        }
        None
    }

    fn is_placeholder(&self, key: &str) -> bool {
        let lower = key.to_ascii_lowercase();
        let distinct: HashSet<char> = key.chars().collect();
        distinct.len() < 8
            || self.catalog.credentials.placeholders.iter().any(|p| lower.contains(p.as_str()))
            || is_made_up(key)
    }

    /// Literals given as a credential option of a model client. Those that
    /// look like a secret are keys even without a known prefix (Cohere,
    /// Mistral). Returns the spans of all such literals.
    fn secrets_in_credentials(&mut self) -> HashSet<Span> {
        let mut spans = HashSet::default();
        let names = &self.catalog.credentials.options;
        for index in 0..self.clients.len() {
            let (call, scope, provider) = {
                let info = &self.clients[index];
                (info.call, info.scope, info.provider)
            };
            let mut options = Options::default();
            self.collect_args(call, scope, &mut options, false);
            for entry in options.entries.iter().filter(|e| names.iter().any(|n| n == e.name)) {
                for s in self.literals_in(entry.value, entry.scope) {
                    spans.insert(s.1);
                    let prefixed = self.match_key(s.0, true).is_some();
                    if !prefixed && self.looks_like_secret(s.0) {
                        let provider_name = self.catalog.providers[provider].name.clone();
                        self.facts.secrets.push(SecretLiteral {
                            provider: provider_name,
                            location: self.locate(s.1),
                            preview: mask(s.0),
                        });
                    }
                }
            }
        }
        spans
    }

    fn looks_like_secret(&self, value: &str) -> bool {
        value.len() >= MIN_KEY_LEN
            && value.len() <= 200
            && value.chars().all(|c| c.is_ascii_alphanumeric() || "_-.+/=".contains(c))
            && value.chars().any(|c| c.is_ascii_digit())
            && value.chars().any(|c| c.is_ascii_lowercase())
            && !self.is_placeholder(value)
    }

    /// The string literals a value may be: itself, the default of an
    /// environment lookup, a local constant it names.
    fn literals_in(&self, value: &'a Expr<'s>, scope: ScopeId) -> Vec<(&'s str, Span)> {
        let mut out = Vec::new();
        let mut names = Vec::new();
        value.walk(|e| match e {
            Expr::Str(s) => out.push((s.value, s.span)),
            Expr::Name(n, _) => names.push(*n),
            _ => {}
        });
        for name in names {
            if let Lookup::Bound(values) = self.lookup(name, scope) {
                for bound in values.iter().filter(|b| b.part.is_none()) {
                    bound.value.walk(|e| {
                        if let Expr::Str(s) = e {
                            out.push((s.value, s.span));
                        }
                    });
                }
            }
        }
        out
    }

    fn endpoints(&mut self) {
        let endpoint_options = &self.catalog.controls.endpoints.options;
        // (literal span, how it is used, provider id, literal text)
        let mut candidates: Vec<(Span, String, Option<String>, &'s str)> = Vec::new();
        let walked = self.walked;
        // Options of clients and inference calls.
        let calls: Vec<(ScopeId, &'a crate::ir::Call<'s>)> =
            walked.calls.iter().map(|&(scope, _, call)| (scope, call)).collect();
        for (scope, call) in &calls {
            let client = match self.constructions.get(&call.span) {
                Some(Some(c)) => Some(*c),
                _ => None,
            };
            let site = self.site_by_call.get(&call.span).copied();
            if client.is_none() && site.is_none() {
                continue;
            }
            let mut options = Options::default();
            self.collect_args(call, *scope, &mut options, false);
            let provider = match (client, site) {
                (Some(c), _) => Some(self.catalog.providers[self.clients[c].provider].id.clone()),
                (None, Some(s)) => Some(self.facts.inference[s].provider.clone()),
                _ => None,
            };
            let callee = self.snippet(call.callee.span(), 40);
            let what = if call.new { format!("new {callee}(...)") } else { format!("{callee}(...)") };
            for entry in options.entries.iter().filter(|e| endpoint_options.iter().any(|n| n == e.name)) {
                for (text, span) in self.url_literals(entry.value, entry.scope) {
                    candidates.push((span, format!("`{}` of `{what}`", entry.name), provider.clone(), text));
                }
            }
        }
        // Defaults of endpoint environment variables.
        let env = &self.catalog.controls.endpoints.env;
        for &(name, literal, span) in &walked.env_defaults {
            if env.iter().any(|n| n == name) {
                candidates.push((span, format!("default of `{name}`"), None, literal));
            }
        }
        let mut seen = HashSet::default();
        for (span, context, provider, text) in candidates {
            if !seen.insert(span) {
                continue;
            }
            let Some(url) = parse_url(text) else { continue };
            let loopback = self.is_loopback(&url.host);
            self.facts.endpoints.push(EndpointLiteral {
                url: url.text.to_string(),
                host: url.host,
                plaintext: url.plaintext,
                loopback,
                location: self.locate(span),
                context,
                provider,
            });
        }
    }

    /// URL-looking literals in an option's value, following local constants.
    /// A template whose host is interpolated (`http://${host}`) has no known host.
    fn url_literals(&self, value: &'a Expr<'s>, scope: ScopeId) -> Vec<(&'s str, Span)> {
        let mut out = Vec::new();
        let mut names = Vec::new();
        let visit = |e: &'a Expr<'s>, out: &mut Vec<(&'s str, Span)>, names: &mut Vec<&'s str>| match e {
            Expr::Str(s) if s.value.contains("://") => out.push((s.value, s.span)),
            Expr::Interp(parts, _) => {
                if let Some(Expr::Str(first)) = parts.first()
                    && first.value.contains("://")
                {
                    out.push((first.value, first.span));
                }
            }
            Expr::Name(n, _) => names.push(*n),
            _ => {}
        };
        value.walk(|e| visit(e, &mut out, &mut names));
        for name in names {
            if let Lookup::Bound(values) = self.lookup(name, scope) {
                for bound in values.iter().filter(|b| b.part.is_none()) {
                    bound.value.walk(|e| visit(e, &mut out, &mut Vec::new()));
                }
            }
        }
        // Parts of a template are visited both as the template's first part
        // and as strings of their own.
        out.sort_by_key(|(_, span)| *span);
        out.dedup_by_key(|(_, span)| *span);
        out
    }

    fn is_loopback(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        self.catalog.controls.endpoints.loopback_hosts.contains(&host)
            || host.starts_with("127.")
            || host.ends_with(".localhost")
    }
}

/// `os.getenv("NAME", "lit")`, `os.environ.get("NAME", "lit")`,
/// `process.env.NAME ?? "lit"`, `os.getenv("NAME") or "lit"`: the variable,
/// the literal default and its span.
pub(crate) fn env_default<'s>(expr: &Expr<'s>) -> Option<(&'s str, &'s str, Span)> {
    match expr {
        Expr::Call(call) => {
            let dotted = call.callee.dotted()?;
            if !matches!(dotted.as_slice(), [.., "getenv"] | [.., "environ", "get"]) {
                return None;
            }
            match (call.args.first(), call.args.get(1)) {
                (Some(Arg::Positional(Expr::Str(name))), Some(Arg::Positional(Expr::Str(default)))) => {
                    Some((name.value, default.value, default.span))
                }
                _ => None,
            }
        }
        Expr::Other(parts, _) if parts.len() == 2 => {
            let name = match &parts[0] {
                Expr::Member { object, property, .. } if object.dotted().as_deref() == Some(&["process", "env"]) => {
                    *property
                }
                Expr::Call(call) => match (call.callee.dotted().as_deref(), call.args.first()) {
                    (Some([.., "getenv"] | [.., "environ", "get"]), Some(Arg::Positional(Expr::Str(s)))) => s.value,
                    _ => return None,
                },
                _ => return None,
            };
            match &parts[1] {
                Expr::Str(default) => Some((name, default.value, default.span)),
                _ => None,
            }
        }
        _ => None,
    }
}

struct Url<'t> {
    text: &'t str,
    host: String,
    plaintext: bool,
}

/// Scheme and host of a literal URL. `None` when there is no scheme we know
/// or no literal host (it is interpolated).
fn parse_url(text: &str) -> Option<Url<'_>> {
    let trimmed = text.trim();
    let lower = trimmed.get(..8).unwrap_or(trimmed).to_ascii_lowercase();
    let (plaintext, rest) = if lower.starts_with("http://") {
        (true, &trimmed[7..])
    } else if lower.starts_with("https://") {
        (false, &trimmed[8..])
    } else {
        return None;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let host = if authority.starts_with('[') {
        authority.split_inclusive(']').next().unwrap_or(authority)
    } else {
        authority.split(':').next().unwrap_or(authority)
    };
    // `http://` followed by nothing literal: the host is interpolated.
    if host.is_empty() || host.contains(['{', '$', '}']) {
        return None;
    }
    Some(Url { text: trimmed, host: host.to_string(), plaintext })
}

/// A key stands alone in the literal: `task-5f2b…` holds `sk-5f2b…` but is a task id.
fn is_token(text: &str, start: usize, end: usize) -> bool {
    let key_char = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    !text[..start].chars().next_back().is_some_and(key_char) && !text[end..].chars().next().is_some_and(key_char)
}

/// Random keys mix letters and digits; `sk-admin-ai-reply-suggestions` does not.
fn has_letters_and_digits(key: &str) -> bool {
    let body = key.split_once(['-', '_']).map_or(key, |(_, rest)| rest);
    body.chars().any(|c| c.is_ascii_digit()) && body.chars().any(|c| c.is_ascii_alphabetic())
}

/// The key with its middle hidden: `sk-proj…9f2c`.
pub(crate) fn mask(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    if chars.len() <= 12 {
        return "…".to_string();
    }
    let head: String = chars[..7.min(chars.len() / 3)].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

#[cfg(test)]
mod tests {
    use super::{mask, parse_url};

    #[test]
    fn urls() {
        let u = parse_url("http://10.0.3.7:8000/v1").expect("url");
        assert_eq!((u.host.as_str(), u.plaintext), ("10.0.3.7", true));
        let u = parse_url("https://user:pw@api.example.com/v1").expect("url");
        assert_eq!((u.host.as_str(), u.plaintext), ("api.example.com", false));
        assert_eq!(parse_url("http://[::1]:11434").expect("url").host, "[::1]");
        assert!(parse_url("http://").is_none());
        assert!(parse_url("ftp://x").is_none());
    }

    #[test]
    fn masking_keeps_prefix_and_last_four() {
        assert_eq!(mask("sk-proj-abcdefghijklmnopqrstuvwx1234"), "sk-proj…1234");
    }
}
