//! ## What it does
//! Reports a model provider's API key written in the source code: a string
//! literal with a known key shape (OpenAI `sk-proj-…`, Anthropic `sk-ant-…`,
//! Google `AIza…`, Hugging Face `hf_…`, Groq, xAI, Replicate, OpenRouter,
//! Perplexity), or a secret-looking literal passed as the credential of a
//! model client (`apiKey`, `api_key`, `token` ...). A literal used as the
//! default of an environment lookup (`process.env.OPENAI_API_KEY ?? "sk-…"`)
//! is reported too. Placeholders (`sk-your-key-here`) are not. Other secrets
//! (database passwords, cloud keys not given to a model client) are out of
//! scope: use a secret scanner for them.
//!
//! ## Why it matters to an auditor
//! Logical access to the model provider (SOC 2 CC6.1) and the confidentiality
//! of credentials (C1.1) fail at once when a key sits in the repository: every
//! clone, fork, CI log and laptop holds it, and the history keeps it after the
//! line is deleted. A leaked key is also a direct bill (OWASP LLM02).
//!
//! ## Example
//! ```python
//! client = OpenAI(api_key="sk-proj-...")
//! ```
//!
//! ## Use instead
//! ```python
//! client = OpenAI(api_key=os.environ["OPENAI_API_KEY"])
//! ```
//! and rotate the key that was committed.
//!
//! ## Criteria
//! Maps to SOC 2 CC6.1 (primary) and C1.1; OWASP LLM02:2025 and LLM02:2026
//! (Sensitive Information Disclosure); NIST AI RMF MEASURE 2.7; EU AI Act Art. 15.

use crate::facts::CredentialSource;
use crate::file_class::FileClass;

use super::{Context, Rule};

pub(crate) const RULE: Rule = Rule { id: "hardcoded-provider-key", check, in_libraries: true };

fn check(cx: &mut Context<'_>) {
    let facts = cx.facts;
    // A key in a test is test data (a fixture for a redaction test, a
    // mocked client's key), reported only where code that ships holds it.
    let secrets = if facts.class == FileClass::Test { &[][..] } else { &facts.secrets[..] };
    for secret in secrets {
        cx.report(
            RULE.id,
            secret.location,
            format!(
                "{} API key `{}` is written in the code; read it from the environment or a secret manager, and rotate it",
                secret.provider, secret.preview
            ),
            Vec::new(),
        );
    }
    for client in &facts.clients {
        let provider = cx.provider_name(&client.provider);
        match &client.credential {
            Some((option, CredentialSource::Environment(variable), location)) => cx.evidence(
                "SOC2:CC6.1",
                "secret-from-environment",
                *location,
                format!(
                    "{provider} client `{}` reads `{option}` from the environment variable `{variable}`",
                    client.constructor
                ),
            ),
            None => cx.evidence(
                "SOC2:CC6.1",
                "secret-from-environment",
                client.location,
                format!(
                    "{provider} client `{}` passes no key in code (the SDK reads it from the environment)",
                    client.constructor
                ),
            ),
            Some(_) => {}
        }
    }
}
