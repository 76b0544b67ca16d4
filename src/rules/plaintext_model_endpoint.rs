//! ## What it does
//! Reports a model client pointed at a plain `http://` endpoint whose host is
//! not the loopback interface: a `baseURL` / `base_url` / `endpoint` /
//! `azure_endpoint` / `host` option of a client or an inference call, or the
//! literal default of an endpoint variable such as `OPENAI_BASE_URL` or
//! `OLLAMA_HOST`. `localhost`, `127.0.0.0/8`, `::1` and `host.docker.internal`
//! are exempt. A plain-HTTP URL that is not a model endpoint is out of scope.
//!
//! ## Why it matters to an auditor
//! Prompts carry user data and completions carry the system's answers. SOC 2
//! CC6.7 expects information to be protected in transmission; an `http://`
//! model endpoint on another host sends both in clear text across the network
//! (OWASP LLM02, Sensitive Information Disclosure).
//!
//! ## Example
//! ```ts
//! const llm = new OpenAI({ baseURL: "http://10.0.12.4:8000/v1", apiKey: process.env.VLLM_KEY });
//! ```
//!
//! ## Use instead
//! ```ts
//! const llm = new OpenAI({ baseURL: "https://vllm.internal.example.com/v1", apiKey: process.env.VLLM_KEY });
//! ```
//!
//! ## Criteria
//! Maps to SOC 2 CC6.7 (primary); OWASP LLM02:2025 and LLM02:2026; NIST AI
//! RMF MEASURE 2.10 and MAP 4.1; EU AI Act Art. 15.

use super::{Context, Rule};

pub(crate) const RULE: Rule = Rule { id: "plaintext-model-endpoint", check, in_libraries: true };

fn check(cx: &mut Context<'_>) {
    let facts = cx.facts;
    for endpoint in &facts.endpoints {
        if endpoint.plaintext && !endpoint.loopback {
            cx.report(
                RULE.id,
                endpoint.location,
                format!(
                    "model endpoint `{}` ({}) is plain HTTP to `{}`: prompts and completions cross the network unencrypted",
                    endpoint.url, endpoint.context, endpoint.host
                ),
                Vec::new(),
            );
        } else if endpoint.plaintext {
            cx.evidence(
                "SOC2:CC6.7",
                "loopback-endpoint",
                endpoint.location,
                format!("model endpoint `{}` ({}) stays on the loopback interface", endpoint.url, endpoint.context),
            );
        } else {
            cx.evidence(
                "SOC2:CC6.7",
                "tls-endpoint",
                endpoint.location,
                format!("model endpoint `{}` ({}) uses TLS", endpoint.url, endpoint.context),
            );
        }
    }
}
