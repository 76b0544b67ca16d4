//! ## What it does
//! Reports an HTTP entrypoint that changes the stored model configuration
//! (the system prompt, the prompt template, the model a feature uses) with
//! no authentication check on the way: a route that reaches a data write
//! naming such a field (`prisma.assistantSettings.update({ data: {
//! systemPrompt } })`, `Setting.objects.update_or_create(defaults={
//! "system_prompt": ...})`, `org.system_prompt = ...`), in the handler or in
//! a function it calls. Authentication is judged as for
//! `inference-without-auth` (handler, middleware, decorators, dependencies,
//! project-wide defaults), and a check custodia does not know can be
//! declared in `custodia.toml`.
//!
//! ## Why it matters to an auditor
//! SOC 2 CC6.2 asks that changes to how a system behaves be made only by
//! people the company authorised. A stored system prompt is the model's
//! standing instruction to every user; whoever can write it without signing
//! in can rewrite the assistant's rules, make it leak data or insult
//! customers (OWASP LLM01, LLM07), and leave no trace of who did.
//!
//! ## Example
//! ```ts
//! // app/api/admin/prompt/route.ts
//! export async function PUT(req: Request) {
//!   const { systemPrompt } = await req.json();
//!   await prisma.assistantSettings.update({ where: { id: 1 }, data: { systemPrompt } });
//!   return Response.json({ ok: true });
//! }
//! ```
//!
//! ## Use instead
//! ```ts
//! export async function PUT(req: Request) {
//!   const { userId, has } = await auth();
//!   if (!userId || !has({ role: "org:admin" })) return new Response(null, { status: 403 });
//!   const { systemPrompt } = await req.json();
//!   await prisma.assistantSettings.update({ where: { id: 1 }, data: { systemPrompt, updatedBy: userId } });
//!   return Response.json({ ok: true });
//! }
//! ```
//!
//! ## Criteria
//! Maps to SOC 2 CC6.2 (primary) and CC6.1; OWASP LLM01:2025 / LLM01:2026
//! and LLM07:2025 / LLM08:2026; NIST AI RMF MEASURE 2.7.

use crate::facts::GuardKind;
use crate::finding::Related;

use super::{ProjectContext, ProjectRule};

pub(crate) const RULE: ProjectRule = ProjectRule { id: "unguarded-config-write", check };

fn check(cx: &mut ProjectContext<'_, '_>) {
    let routes = cx.routes;
    for route in routes.iter().filter(|r| !r.config_writes.is_empty() && !r.covered(GuardKind::Auth)) {
        let (file, write) = route.config_writes[0];
        let facts = &cx.index.files()[file];
        let Some(fact) = facts.config_writes.get(write) else { continue };
        let message = format!(
            "{} writes the stored model configuration (`{}`, {}) with no authentication check",
            route.label(),
            fact.field,
            facts.path
        );
        let related = route
            .config_writes
            .iter()
            .filter_map(|&(file, write)| {
                let facts = &cx.index.files()[file];
                let fact = facts.config_writes.get(write)?;
                Some(Related {
                    path: facts.path.clone(),
                    location: fact.location,
                    message: format!("`{}` written here", fact.field),
                })
            })
            .collect();
        cx.report(RULE.id, route.at.0, route.at.1, message, related);
    }
}
