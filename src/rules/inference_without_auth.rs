//! ## What it does
//! Reports an HTTP entrypoint (a Next.js route handler or server action, an
//! Express, Hono, Koa or Fastify route, a NestJS controller method, a FastAPI,
//! Starlette, Flask, Django or Django REST framework view) from which
//! an inference call can be reached, in the handler or through the
//! functions it calls in any file of the project, when no authentication
//! check stands on the way. A check counts wherever it is: in the handler or
//! a function it calls (`await auth()`, `getServerSession`, `jwtVerify`, a 401
//! answer), in middleware that covers the route (`app.use(...)` registered
//! before it on a matching path, a Next.js `middleware.ts` (`proxy.ts` in Next.js 16) whose `matcher`
//! covers its path), in a decorator (`@login_required`), in a FastAPI
//! dependency that authenticates (`Depends(get_current_user)` where
//! `get_current_user` uses `OAuth2PasswordBearer`, verifies a token or answers
//! 401), on the router (`APIRouter(dependencies=[...])`,
//! `include_router(..., dependencies=[...])`). A webhook authenticates its
//! sender by the signature of the body: a handler that verifies it on the way
//! (`stripe.Webhook.construct_event`, `stripe.webhooks.constructEvent`, svix
//! `Webhook(secret).verify(...)`, a `verifySignature` of its own, an HMAC
//! compared with `crypto.timingSafeEqual` or `hmac.compare_digest`) is
//! authenticated, and the evidence says it verifies the webhook signature.
//! Code no request reaches (CLI scripts, jobs, workers) is not an entrypoint,
//! and a function a route hands to a scheduler (`cron.schedule(expr, () => ...)`,
//! `setInterval`, `new CronJob(...)`) runs on its schedule, not on the
//! request: what it calls is not reached from the route.
//!
//! When the way to the model calls functions whose names suggest a check
//! custodia does not know (`requireUser()`), the message names them: declare
//! such a function in `custodia.toml` and the finding goes:
//!
//! ```toml
//! [guards.auth]
//! calls = ["requireUser"]
//! ```
//!
//! ## Why it matters to an auditor
//! SOC 2 CC6.1 asks for logical access controls over protected assets. An
//! unauthenticated route that calls a model lets anyone on the internet spend
//! the company's model budget (OWASP "Unbounded Consumption": denial of
//! wallet), and reach whatever data the prompt carries.
//!
//! ## Example
//! ```ts
//! // app/api/chat/route.ts
//! export async function POST(req: Request) {
//!   const { messages } = await req.json();
//!   const result = streamText({ model: openai("gpt-4o"), messages, maxOutputTokens: 800 });
//!   return result.toUIMessageStreamResponse();
//! }
//! ```
//!
//! ## Use instead
//! ```ts
//! export async function POST(req: Request) {
//!   const { userId } = await auth();
//!   if (!userId) return new Response("Unauthorized", { status: 401 });
//!   const { messages } = await req.json();
//!   const result = streamText({ model: openai("gpt-4o"), messages, maxOutputTokens: 800 });
//!   return result.toUIMessageStreamResponse();
//! }
//! ```
//!
//! ## Criteria
//! Maps to SOC 2 CC6.1 (primary); OWASP LLM10:2025 / LLM06:2026 (Unbounded
//! Consumption); NIST AI RMF MEASURE 2.7; EU AI Act Art. 15.

use crate::facts::GuardKind;

use super::{ProjectContext, ProjectRule, route_controls};

pub(crate) const RULE: ProjectRule = ProjectRule { id: "inference-without-auth", check };

fn check(cx: &mut ProjectContext<'_, '_>) {
    route_controls(cx, RULE.id, GuardKind::Auth, "SOC2:CC6.1", "auth-guard", "authentication check");
}
