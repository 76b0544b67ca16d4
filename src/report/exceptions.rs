//! The exceptions register: each suppressed finding with who owns the
//! exception, until when it stands and where it is.
//!
//! The terms are written where the exception is, at the end of the
//! suppression's reason, so they travel with the code they excuse:
//!
//! ```text
//! // custodia-ignore[missing-timeout]: the gateway times out at 30 s (owner: @alice, due: 2027-03-31)
//! ```
//!
//! The last parenthesis of the reason is read as terms when every part of it
//! is a `key: value` pair with a known key (`owner`, `due`, `status`,
//! `ticket`); any other parenthesis is part of the justification. Terms
//! missing there can come from `[[report.exceptions]]` in custodia.toml
//! (matched by rule and path), for exceptions a team keeps in one place.

use crate::config::ExceptionTerms;

/// A suppression's reason, split into its justification and its terms.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Terms {
    pub justification: String,
    pub owner: Option<String>,
    /// As written: `YYYY-MM-DD` is expected.
    pub due: Option<String>,
    pub status: Option<String>,
    pub ticket: Option<String>,
}

const KEYS: [&str; 4] = ["owner", "due", "status", "ticket"];

/// Reads the terms at the end of a reason.
pub fn parse(reason: &str) -> Terms {
    let reason = reason.trim();
    let plain = Terms { justification: reason.to_string(), ..Terms::default() };
    let Some(body) = reason.strip_suffix(')') else { return plain };
    let Some(open) = body.rfind('(') else { return plain };
    let mut terms = Terms { justification: body[..open].trim_end().to_string(), ..Terms::default() };
    for part in body[open + 1..].split([',', ';']) {
        let Some((key, value)) = part.split_once(':') else { return plain };
        let (key, value) = (key.trim().to_ascii_lowercase(), value.trim().to_string());
        if value.is_empty() || !KEYS.contains(&key.as_str()) {
            return plain;
        }
        let slot = match key.as_str() {
            "owner" => &mut terms.owner,
            "due" => &mut terms.due,
            "status" => &mut terms.status,
            _ => &mut terms.ticket,
        };
        *slot = Some(value);
    }
    terms
}

impl Terms {
    /// Fills what the comment left out from custodia.toml's entry for the
    /// same rule and path, if any.
    pub fn complete(mut self, rule: &str, path: Option<&str>, configured: &[ExceptionTerms]) -> Terms {
        let entry = configured
            .iter()
            .find(|e| e.rule == rule && e.path.as_deref().is_none_or(|p| path.is_some_and(|path| covers(p, path))));
        if let Some(entry) = entry {
            self.owner = self.owner.or_else(|| entry.owner.clone());
            self.due = self.due.or_else(|| entry.due.clone());
            self.status = self.status.or_else(|| entry.status.clone());
            self.ticket = self.ticket.or_else(|| entry.ticket.clone());
        }
        self
    }

    /// The exception's status on `today` (`YYYY-MM-DD…`, the report's own
    /// date): the status written, else "overdue" once the due date has
    /// passed, "no due date" or "unreadable due date", else "open".
    pub fn status_on(&self, today: &str) -> String {
        let due = self.due.as_deref().map(crate::provenance::parse_utc);
        let today = crate::provenance::parse_utc(today.get(..10).unwrap_or(today));
        let overdue = matches!((due, today), (Some(Some(due)), Some(today)) if due < today);
        match (&self.status, due) {
            (Some(status), _) if overdue && !closed(status) => format!("{status}, overdue"),
            (Some(status), _) => status.clone(),
            (None, None) => "open, no due date".to_string(),
            (None, Some(None)) => "open, unreadable due date".to_string(),
            (None, Some(Some(_))) if overdue => "overdue".to_string(),
            (None, Some(Some(_))) => "open".to_string(),
        }
    }
}

/// Statuses after which a passed due date no longer matters.
fn closed(status: &str) -> bool {
    let status = status.to_ascii_lowercase();
    ["closed", "resolved", "fixed", "withdrawn"].iter().any(|s| status.starts_with(s))
}

/// A configured path covers a file: the same path, or a directory above it.
fn covers(configured: &str, path: &str) -> bool {
    let configured = configured.trim_end_matches('/');
    path == configured || path.strip_prefix(configured).is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_at_the_end_of_a_reason() {
        let terms = parse("the gateway times out at 30 s (owner: @alice, due: 2027-03-31)");
        assert_eq!(terms.justification, "the gateway times out at 30 s");
        assert_eq!(terms.owner.as_deref(), Some("@alice"));
        assert_eq!(terms.due.as_deref(), Some("2027-03-31"));
        assert_eq!(terms.status, None);
        let terms = parse("accepted (Owner: Platform team; status: risk accepted; ticket: SEC-12)");
        assert_eq!(terms.owner.as_deref(), Some("Platform team"));
        assert_eq!(terms.status.as_deref(), Some("risk accepted"));
        assert_eq!(terms.ticket.as_deref(), Some("SEC-12"));
    }

    #[test]
    fn other_parentheses_are_justification() {
        for reason in ["retries happen upstream (see ADR 7)", "handled by the proxy (timeout: 30s)", "x ()"] {
            assert_eq!(parse(reason), Terms { justification: reason.to_string(), ..Terms::default() });
        }
    }

    #[test]
    fn status_follows_the_due_date() {
        let terms = parse("r (owner: @a, due: 2027-03-31)");
        assert_eq!(terms.status_on("2027-03-31T10:00:00Z"), "open");
        assert_eq!(terms.status_on("2027-04-01T00:00:00Z"), "overdue");
        assert_eq!(parse("r (status: accepted, due: 2020-01-01)").status_on("2026-01-01"), "accepted, overdue");
        assert_eq!(parse("r (status: resolved, due: 2020-01-01)").status_on("2026-01-01"), "resolved");
        assert_eq!(parse("r (owner: @a)").status_on("2026-01-01"), "open, no due date");
        assert_eq!(parse("r (due: next sprint)").status_on("2026-01-01"), "open, unreadable due date");
    }

    #[test]
    fn configured_terms_fill_the_gaps() {
        let configured = vec![ExceptionTerms {
            rule: "missing-timeout".to_string(),
            path: Some("app/api".to_string()),
            owner: Some("@bob".to_string()),
            due: Some("2027-01-31".to_string()),
            status: None,
            ticket: None,
        }];
        let terms = parse("r (owner: @alice)").complete("missing-timeout", Some("app/api/chat/route.ts"), &configured);
        assert_eq!((terms.owner.as_deref(), terms.due.as_deref()), (Some("@alice"), Some("2027-01-31")));
        let other = parse("r").complete("missing-timeout", Some("app/apiary.ts"), &configured);
        assert_eq!(other.owner, None);
    }
}
