//! The AI bill of materials (`--format cyclonedx`): the project's AI
//! inventory as a CycloneDX 1.6 document, for the tools that collect BOMs.
//!
//! - every model provider the code sends data to is a **service** (the
//!   outbound data flow is what a vendor review is about);
//! - every SDK module imported for it is a **library** component, its
//!   package named as the registry knows it (`pkg:npm/...`, `pkg:pypi/...`)
//!   with the version the project's lock files pin (none when no lock file
//!   says: custodia does not guess);
//! - every model named in code is a **machine-learning-model** component,
//!   supplied by its provider;
//! - where each is used is its `evidence.occurrences` (file and line);
//! - `dependencies` link the project to its SDKs and models, and each to the
//!   provider's service.
//!
//! The document is reproducible: no timestamp or serial number, so the same
//! tree gives the same bytes (a BOM tool adds its own when it stores one).
//! Tests validate it against the official 1.6 schema.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{Value, json};

use crate::catalog::Catalog;
use crate::lang::Language;
use crate::lockfiles::{self, Ecosystem};
use crate::scan::ScanResult;

/// Where a module or a model appears: (file, line), sorted.
type Places = BTreeSet<(String, u32)>;

pub fn build(result: &ScanResult, catalog: &Catalog) -> Value {
    let inventory = crate::inventory::inventory(&result.files, catalog);
    let mut dirs: Vec<String> = result.packages.iter().map(|p| p.dir.clone()).collect();
    if !dirs.contains(&String::new()) {
        dirs.insert(0, String::new());
    }
    let locked = lockfiles::read(&result.root, &dirs);

    // Modules and models of each provider, with where they appear.
    let mut modules: BTreeMap<(String, Ecosystem, String), Places> = BTreeMap::new();
    let mut models: BTreeMap<(String, String), Places> = BTreeMap::new();
    for facts in &result.files {
        let ecosystem = match facts.language {
            Some(Language::Python) => Ecosystem::PyPI,
            _ => Ecosystem::Npm,
        };
        for provider in &inventory.providers {
            for import in facts.imports.iter().filter(|i| provider.sdks.contains(&i.module)) {
                let place = (facts.path.clone(), import.location.range.start.line);
                modules.entry((provider.provider.clone(), ecosystem, import.module.clone())).or_default().insert(place);
            }
        }
        let named = facts
            .inference
            .iter()
            .map(|s| (&s.provider, &s.model, s.location))
            .chain(facts.clients.iter().map(|c| (&c.provider, &c.model, c.location)));
        for (provider, model, location) in named {
            let Some(model) = model else { continue };
            let Some(provider) = inventory.providers.iter().find(|p| &p.provider == provider) else { continue };
            if provider.models.contains(model) {
                let place = (facts.path.clone(), location.range.start.line);
                models.entry((provider.provider.clone(), model.clone())).or_default().insert(place);
            }
        }
    }

    let project_ref = "project".to_string();
    let mut components = Vec::new();
    let mut project_depends = Vec::new();
    let mut dependencies = Vec::new();
    // One component per package: several modules of one package
    // (`openai`, `openai/resources`) are one library.
    let mut packages: BTreeMap<(Ecosystem, String), (String, Places)> = BTreeMap::new();
    for ((provider, ecosystem, module), places) in modules {
        let name = match ecosystem {
            Ecosystem::Npm => lockfiles::npm_package(&module),
            Ecosystem::PyPI => {
                let candidates = lockfiles::pypi_candidates(&module);
                candidates
                    .iter()
                    .find(|c| locked.get(ecosystem, c).is_some())
                    .cloned()
                    .unwrap_or_else(|| candidates.last().cloned().unwrap_or(module.clone()))
            }
        };
        let entry = packages.entry((ecosystem, name)).or_insert_with(|| (provider.clone(), Places::new()));
        entry.1.extend(places);
    }
    for ((ecosystem, name), (provider, places)) in &packages {
        let version = locked.get(*ecosystem, name);
        let purl = purl(*ecosystem, name, version.map(|v| v.0));
        let mut component = json!({
            "type": "library",
            "bom-ref": purl,
            "name": name,
            "purl": purl,
            "properties": [
                { "name": "custodia:provider", "value": provider },
                { "name": "custodia:role", "value": "model-sdk" },
            ],
            "evidence": { "occurrences": occurrences(places) },
        });
        match version {
            Some((version, file)) => {
                component["version"] = json!(version);
                push_property(&mut component, "custodia:version-source", file);
            }
            None => push_property(&mut component, "custodia:version-source", "none: no lock file pins it"),
        }
        components.push(component);
        project_depends.push(purl.clone());
        dependencies.push(json!({ "ref": purl, "dependsOn": [service_ref(provider)] }));
    }
    for ((provider, model), places) in &models {
        let reference = format!("model:{provider}/{model}");
        let supplier =
            inventory.providers.iter().find(|p| &p.provider == provider).map_or(provider.as_str(), |p| p.name.as_str());
        components.push(json!({
            "type": "machine-learning-model",
            "bom-ref": reference,
            "name": model,
            "supplier": { "name": supplier },
            "description": format!("A model named in code, served by {supplier}"),
            "properties": [{ "name": "custodia:provider", "value": provider }],
            "evidence": { "occurrences": occurrences(places) },
        }));
        project_depends.push(reference.clone());
        dependencies.push(json!({ "ref": reference, "dependsOn": [service_ref(provider)] }));
    }
    let services: Vec<Value> = inventory
        .providers
        .iter()
        .map(|p| {
            json!({
                "bom-ref": service_ref(&p.provider),
                "provider": { "name": p.name },
                "name": format!("{} inference API", p.name),
                "description": format!(
                    "Model inference: prompts and request data are sent to {} ({} call site{} found)",
                    p.name, p.inference_sites, if p.inference_sites == 1 { "" } else { "s" }
                ),
                "trustZone": "external",
                "data": [{ "flow": "bi-directional", "classification": "prompts and model output" }],
                "properties": p.files.iter()
                    .map(|f| json!({ "name": "custodia:used-in", "value": f }))
                    .chain(std::iter::once(json!({ "name": "custodia:inference-sites", "value": p.inference_sites.to_string() })))
                    .collect::<Vec<_>>(),
            })
        })
        .collect();
    for service in &services {
        if let Some(reference) = service["bom-ref"].as_str() {
            project_depends.push(reference.to_string());
            dependencies.push(json!({ "ref": reference, "dependsOn": [] }));
        }
    }
    project_depends.sort();
    project_depends.dedup();
    dependencies.insert(0, json!({ "ref": project_ref, "dependsOn": project_depends }));

    json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {
            "tools": { "components": [{
                "type": "application",
                "name": "custodia",
                "version": env!("CARGO_PKG_VERSION"),
                "externalReferences": [{ "type": "website", "url": "https://github.com/custodia-dev/custodia" }],
            }] },
            "component": {
                "type": "application",
                "bom-ref": project_ref,
                "name": project_name(result),
            },
            "properties": [{
                "name": "custodia:scope",
                "value": "AI inventory: model providers, their SDKs and the models named in code; other dependencies are not listed",
            }],
        },
        "components": components,
        "services": services,
        "dependencies": dependencies,
    })
}

fn service_ref(provider: &str) -> String {
    format!("service:{provider}")
}

fn push_property(component: &mut Value, name: &str, value: &str) {
    if let Some(properties) = component["properties"].as_array_mut() {
        properties.push(json!({ "name": name, "value": value }));
    }
}

fn occurrences(places: &Places) -> Vec<Value> {
    places.iter().map(|(path, line)| json!({ "location": path, "line": line })).collect()
}

/// A package URL: `pkg:npm/%40ai-sdk/openai@2.0.3`, `pkg:pypi/openai@1.40.0`.
fn purl(ecosystem: Ecosystem, name: &str, version: Option<&str>) -> String {
    let name = match ecosystem {
        // The scope's `@` is percent-encoded; the `/` separates namespace and name.
        Ecosystem::Npm => name.replacen('@', "%40", 1),
        Ecosystem::PyPI => name.to_ascii_lowercase().replace('_', "-"),
    };
    match version {
        Some(version) => format!("pkg:{}/{name}@{}", ecosystem.purl_type(), encode(version)),
        None => format!("pkg:{}/{name}", ecosystem.purl_type()),
    }
}

fn encode(text: &str) -> String {
    text.chars()
        .map(
            |c| {
                if c.is_ascii_alphanumeric() || "-._~".contains(c) {
                    c.to_string()
                } else {
                    format!("%{:02X}", c as u32)
                }
            },
        )
        .collect()
}

/// The root package's name, else the scanned directory's.
fn project_name(result: &ScanResult) -> String {
    if let Some(name) = result.packages.iter().find(|p| p.dir.is_empty()).and_then(|p| p.name.clone()) {
        return name;
    }
    let root = std::fs::canonicalize(&result.root).unwrap_or_else(|_| result.root.clone());
    let dir = if root.is_file() { root.parent().map(Path::to_path_buf).unwrap_or_default() } else { root };
    dir.file_name().map_or_else(|| "project".to_string(), |n| n.to_string_lossy().into_owned())
}
