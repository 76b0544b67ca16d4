//! The AI inventory: which model providers a project uses, through which
//! SDKs, with which models named in code, in which files. It is the raw
//! material of a vendor list (SOC 2 CC9.2, vendor and business-partner risk):
//! an auditor asks which third parties receive the company's data, and the
//! answer starts here.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::facts::FileFacts;
use crate::lang::Language;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inventory {
    /// One entry per provider the code uses, in the catalogue's order of ids.
    pub providers: Vec<ProviderUse>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderUse {
    /// The catalogue id (`openai`, `anthropic`, or one declared in custodia.toml).
    pub provider: String,
    pub name: String,
    /// The provider's modules the code imports (`openai`, `@ai-sdk/openai`).
    pub sdks: Vec<String>,
    /// Model names written in code (`gpt-4o-mini`); models chosen at run
    /// time (configuration, environment) cannot be listed.
    pub models: Vec<String>,
    /// Files that import the SDK, build a client or call a model.
    pub files: Vec<String>,
    /// Inference calls found.
    pub inference_sites: usize,
}

#[derive(Default)]
struct Use {
    sdks: BTreeSet<String>,
    models: BTreeSet<String>,
    files: BTreeSet<String>,
    sites: usize,
}

/// The inventory of a scanned project, from every analysed file's facts.
pub fn inventory(files: &[FileFacts], catalog: &Catalog) -> Inventory {
    let mut uses: BTreeMap<&str, Use> = BTreeMap::new();
    for facts in files {
        let language = facts.language.unwrap_or(Language::TypeScript);
        for import in &facts.imports {
            if let Some(provider) = catalog.providers.iter().find(|p| p.owns_module(language, &import.module)) {
                let entry = uses.entry(provider.id.as_str()).or_default();
                entry.sdks.insert(import.module.clone());
                entry.files.insert(facts.path.clone());
            }
            // An integration package sends the data to the vendor it names.
            if let Some(vendor) = integration_vendor(&import.module) {
                let entry = uses.entry(catalog_id(catalog, vendor)).or_default();
                entry.sdks.insert(import.module.clone());
                entry.files.insert(facts.path.clone());
            }
        }
        for client in &facts.clients {
            let entry = uses.entry(catalog_id(catalog, &client.provider)).or_default();
            entry.files.insert(facts.path.clone());
            entry.models.extend(client.model.clone());
        }
        for site in &facts.inference {
            let entry = uses.entry(catalog_id(catalog, &site.provider)).or_default();
            entry.files.insert(facts.path.clone());
            entry.models.extend(site.model.clone());
            entry.sites += 1;
        }
    }
    let providers = uses
        .into_iter()
        .map(|(id, used)| ProviderUse {
            provider: id.to_string(),
            name: catalog.provider(id).map_or_else(|| id.to_string(), |p| p.name.clone()),
            sdks: used.sdks.into_iter().collect(),
            models: used.models.into_iter().filter(|m| looks_like_model(m)).collect(),
            files: used.files.into_iter().collect(),
            inference_sites: used.sites,
        })
        .collect();
    Inventory { providers }
}

/// Whether importing `module` puts a file in the inventory: a catalogued
/// provider's SDK or a framework's integration package for a vendor.
pub fn names_provider(catalog: &Catalog, language: Language, module: &str) -> bool {
    integration_vendor(module).is_some() || catalog.providers.iter().any(|p| p.owns_module(language, module))
}

/// The catalogue's own string for a provider id, so that the map borrows
/// from the catalogue rather than from one file's facts.
fn catalog_id<'c>(catalog: &'c Catalog, id: &str) -> &'c str {
    catalog.providers.iter().find(|p| p.id == id).map_or("unknown", |p| p.id.as_str())
}

/// The vendor behind a framework's integration package: `@ai-sdk/openai`
/// (Vercel AI SDK), `@langchain/anthropic`, `langchain_openai`,
/// `llama_index.llms.openai`.
fn integration_vendor(module: &str) -> Option<&'static str> {
    const VENDORS: [(&str, &str); 8] = [
        ("openai", "openai"),
        ("azure", "openai"),
        ("anthropic", "anthropic"),
        ("google", "google-genai"),
        ("bedrock", "bedrock"),
        ("mistral", "mistral"),
        ("cohere", "cohere"),
        ("ollama", "ollama"),
    ];
    let package = module
        .strip_prefix("@ai-sdk/")
        .or_else(|| module.strip_prefix("@langchain/"))
        .or_else(|| module.strip_prefix("langchain_"))
        .or_else(|| module.strip_prefix("llama_index.llms."))
        .or_else(|| module.strip_prefix("@llamaindex/"))?;
    VENDORS.iter().find(|(prefix, _)| package.starts_with(prefix) || package.contains(prefix)).map(|(_, id)| *id)
}

/// A model id as written in code: no spaces, not a template.
fn looks_like_model(name: &str) -> bool {
    !name.is_empty() && name.len() <= 128 && !name.contains(char::is_whitespace) && !name.contains("${")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_names() {
        assert!(looks_like_model("gpt-4o-mini"));
        assert!(looks_like_model("anthropic.claude-3-5-sonnet-20241022-v2:0"));
        assert!(!looks_like_model("model-${tier}"));
        assert!(!looks_like_model(""));
    }

    #[test]
    fn integration_packages_name_their_vendor() {
        assert_eq!(integration_vendor("@ai-sdk/openai"), Some("openai"));
        assert_eq!(integration_vendor("@ai-sdk/amazon-bedrock"), Some("bedrock"));
        assert_eq!(integration_vendor("langchain_anthropic"), Some("anthropic"));
        assert_eq!(integration_vendor("@langchain/google-genai"), Some("google-genai"));
        assert_eq!(integration_vendor("ai"), None);
        assert_eq!(integration_vendor("@langchain/core"), None);
    }
}
