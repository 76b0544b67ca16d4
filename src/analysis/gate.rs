//! Whether a function is shaped like a gate on a request: custodia offers a
//! project function it does not know as a possible auth or rate-limit
//! control only when its name says so *and* its shape fits. A name alone
//! misleads (`handleLLMNewToken` is a streaming callback, not an auth
//! check); a reader who is sent to look at a function must find one that
//! could be the control.
//!
//! The shape is read from the parameters and the text of the body: cheap,
//! and a hint is a pointer for a person, not a fact rules build on.

use std::sync::LazyLock;

use regex::Regex;

use crate::ir::Param;

/// Parameter names (and annotations) that carry the caller: the request,
/// the framework's context, the user or their credentials.
static CALLER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(req|request|ctx|context|c|event|evt|conn|websocket|ws|user|current_?user|principal|identity|account|member|session|claims|jwt|token|api_?key|auth|authorization|credentials|headers|scope)$|(?i)(request|context|user|session|principal|headers)$",
    )
    .expect("valid regex")
});

/// Reading the request's context without taking it as a parameter: Next.js
/// `headers()` / `cookies()` / `auth()`, Flask's `request` and `g`, a
/// session helper.
static AMBIENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\b(headers|cookies|auth|getServerSession|getSession|currentUser|get_current_user|get_jwt_identity)\(|\brequest\.(headers|cookies|user|auth|args|remote_addr|client)|\bg\.user\b|\bcurrent_user\b",
    )
    .expect("valid regex")
});

/// Stopping the request: an exception, an abort or redirect, or an answer
/// with 401, 403 or 429; or a verdict the caller acts on (`return false`).
static STOPS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\bthrow\b|\braise\b|\babort\(|\bredirect\(|\bunauthorized\(|\bforbidden\(|\bnotFound\(|\b(401|403|429)\b|Unauthori[sz]ed|Forbidden|PermissionDenied|HTTPException|TooManyRequests|RateLimitExceeded|\breturn\s+(false|False)\b",
    )
    .expect("valid regex")
});

/// The function takes the request, its context or the user, or reads them
/// from the framework's ambient context.
pub(super) fn takes_the_caller(params: &[Param<'_>], body: &str) -> bool {
    let named = params.iter().any(|p| {
        p.name.is_some_and(|n| CALLER.is_match(n))
            || p.destructured.iter().any(|n| CALLER.is_match(n))
            || p.annotation.is_some_and(|a| CALLER.is_match(a.trim_end_matches(['?', ' '])))
    });
    named || AMBIENT.is_match(body)
}

/// The function can stop the request it guards.
pub(super) fn can_stop_the_request(body: &str) -> bool {
    STOPS.is_match(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    fn param(name: &str) -> Param<'_> {
        Param { name: Some(name), destructured: Vec::new(), annotation: None, default: None, span: Span::default() }
    }

    #[test]
    fn a_gate_takes_the_caller_and_can_stop_the_request() {
        let body = "{ if (!req.headers.authorization) { return res.status(401).end(); } next(); }";
        assert!(takes_the_caller(&[param("req"), param("res"), param("next")], body));
        assert!(can_stop_the_request(body));
        // Next.js: no parameter, the session read from the ambient context.
        let body = "{ const session = await auth(); if (!session) redirect('/login'); return session.user; }";
        assert!(takes_the_caller(&[], body) && can_stop_the_request(body));
        // FastAPI: the user as a dependency, an HTTPException.
        let body = "if not user.is_admin:\n        raise HTTPException(status_code=403)";
        assert!(takes_the_caller(&[param("user")], body) && can_stop_the_request(body));
    }

    #[test]
    fn a_callback_named_like_a_token_check_is_not_a_gate() {
        // LangChain's streaming callback: takes a token, stops nothing.
        let body = "{ this.tokens.push(token); process.stdout.write(token); }";
        assert!(!can_stop_the_request(body));
        // Takes nothing of the caller.
        assert!(!takes_the_caller(&[param("text"), param("limit")], "{ return text.slice(0, limit); }"));
    }
}
