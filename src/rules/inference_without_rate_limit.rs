//! ## What it does
//! Reports an HTTP entrypoint from which an inference call can be reached
//! when nothing on the way limits how often a caller can trigger it: no
//! rate-limit call in the handler path (`@upstash/ratelimit`'s
//! `ratelimit.limit(id)`, rate-limiter-flexible's `consume`), no rate-limit
//! middleware covering the route (`express-rate-limit`, `hono-rate-limiter`),
//! no decorator (`@limiter.limit("10/minute")` with slowapi or
//! flask-limiter, `@ratelimit` from django-ratelimit), no project-wide
//! default (`Limiter(default_limits=[...])`, DRF `DEFAULT_THROTTLE_CLASSES`
//! unless the view sets `throttle_classes = []`, `@limiter.exempt` opting a
//! route out of its app's limit), no DRF `throttle_classes`, no `fastapi-limiter`
//! dependency, no 429 answer. A limit the project wrote itself counts too:
//! an error it raises or returns when a quota is spent (`TooManyRequests`, its
//! own `RateLimitError`, `new ChatSDKError("rate_limit:chat")`), a limiter
//! class of its own used as a FastAPI dependency
//! (`Depends(ApiUserRateLimiter(...))`) or called in the handler
//! (`await limiter.check(user)` on a `UsageRateLimiter`), or middleware in
//! the route's chain that names itself a rate limiter
//! (`getRateLimiterMiddleware`, `workspaceRateLimiter`: the limiter it hands
//! on is often built at run time from stored settings). The provider's
//! rate-limit error caught from its SDK (`except openai.RateLimitError`) is the
//! provider's limit, not the app's, and does not count. Entrypoints and
//! reachability are as for `inference-without-auth`.
//!
//! ## Why it matters to an auditor
//! Rate limits are how a team bounds the use of a costly component and
//! notices abuse: SOC 2 CC7.2 (monitoring for anomalies) and A1.1 (capacity).
//! Without one, a single client (or a leaked session) can run the model
//! budget dry in minutes (OWASP "Unbounded Consumption").
//!
//! ## Example
//! ```python
//! @router.post("/summaries")
//! def summarise(body: SummaryRequest, user: User = Depends(current_user)):
//!     return client.messages.create(model=MODEL, max_tokens=400, messages=[...])
//! ```
//!
//! ## Use instead
//! ```python
//! @router.post("/summaries")
//! @limiter.limit("20/minute")
//! def summarise(request: Request, body: SummaryRequest, user: User = Depends(current_user)):
//!     return client.messages.create(model=MODEL, max_tokens=400, messages=[...])
//! ```
//!
//! ## Criteria
//! Maps to SOC 2 CC7.2 (primary) and A1.1; OWASP LLM10:2025 / LLM06:2026;
//! NIST AI RMF MEASURE 2.4; EU AI Act Art. 15.

use crate::facts::GuardKind;

use super::{ProjectContext, ProjectRule, route_controls};

pub(crate) const RULE: ProjectRule = ProjectRule { id: "inference-without-rate-limit", check };

fn check(cx: &mut ProjectContext<'_, '_>) {
    route_controls(cx, RULE.id, GuardKind::RateLimit, "SOC2:CC7.2", "rate-limit", "rate limit");
}
