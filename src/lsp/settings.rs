//! The editor's settings for custodia (`initializationOptions`, and
//! `workspace/didChangeConfiguration` under a `custodia` key). Rules,
//! severities and guards stay in `custodia.toml`, shared with the CLI; these
//! only say what the editor shows and what the quick fixes write.

use serde::Deserialize;

use crate::fix::FixSettings;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    /// Off, the server publishes nothing (and clears what it published).
    pub enable: bool,
    pub diagnostics: DiagnosticSettings,
    pub fixes: FixOptions,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { enable: true, diagnostics: DiagnosticSettings::default(), fixes: FixOptions::default() }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DiagnosticSettings {
    pub scope: Scope,
}

/// Which files get diagnostics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Scope {
    /// Every file of the workspace, open or not.
    #[default]
    Workspace,
    /// Open documents only (the whole workspace is still analysed: a route
    /// in an open file depends on files that are not open).
    #[serde(alias = "open")]
    OpenFiles,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FixOptions {
    pub max_tokens: u32,
    pub timeout_seconds: u32,
    pub fallback_model: Option<String>,
}

impl Default for FixOptions {
    fn default() -> Self {
        let defaults = FixSettings::default();
        FixOptions {
            max_tokens: defaults.max_tokens,
            timeout_seconds: defaults.timeout_seconds,
            fallback_model: defaults.fallback_model,
        }
    }
}

impl FixOptions {
    pub fn to_fix_settings(&self) -> FixSettings {
        FixSettings {
            max_tokens: self.max_tokens.max(1),
            timeout_seconds: self.timeout_seconds.max(1),
            fallback_model: self.fallback_model.clone().filter(|m| !m.trim().is_empty()),
        }
    }
}

impl Settings {
    /// Reads settings sent as `{"custodia": {...}}` or as the object itself.
    /// `Ok(None)` when the value holds no custodia settings.
    pub fn from_value(value: &serde_json::Value) -> Result<Option<Settings>, String> {
        let value = match value.get("custodia") {
            Some(inner) => inner,
            None if value.is_object() && !value.as_object().is_some_and(|o| o.is_empty()) => value,
            None => return Ok(None),
        };
        serde_json::from_value(value.clone()).map(Some).map_err(|e| format!("invalid custodia settings: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_or_flat_settings() {
        let nested =
            serde_json::json!({"custodia": {"diagnostics": {"scope": "openFiles"}, "fixes": {"maxTokens": 256}}});
        let settings = Settings::from_value(&nested).expect("valid").expect("present");
        assert_eq!(settings.diagnostics.scope, Scope::OpenFiles);
        assert_eq!(settings.fixes.max_tokens, 256);
        assert!(settings.enable);
        let flat = serde_json::json!({"enable": false});
        assert!(!Settings::from_value(&flat).expect("valid").expect("present").enable);
        assert_eq!(Settings::from_value(&serde_json::Value::Null), Ok(None));
        assert!(Settings::from_value(&serde_json::json!({"fixes": {"maxTokens": "many"}})).is_err());
    }
}
