//! A reader for the subset of YAML custodia's own recipe files are written in
//! (`action.yml`, `.pre-commit-hooks.yaml`): block mappings and sequences,
//! plain, single- and double-quoted scalars, `|` and `|-` literal blocks,
//! comments. Anything else (flow collections, anchors, tags, folded blocks,
//! YAML 1.1's yes/no/on/off) is an error, not a guess: the files are kept
//! inside the subset, and where PyYAML is installed the tests check that it
//! reads them the same way. No YAML crate is in the dependency tree, and
//! this is smaller than adding one.
//!
//! Included with `#[path = "common/yaml.rs"] mod yaml;`.

use serde_json::{Map, Value};

pub fn parse(text: &str) -> Result<Value, String> {
    let mut lines: Vec<String> = text.lines().map(|l| l.trim_end().to_string()).collect();
    if lines.iter().any(|l| l.contains('\t') && !l.trim_start().starts_with('#')) {
        return Err("tabs are not used in these files".into());
    }
    let mut parser = Parser { lines: &mut lines, at: 0 };
    parser.skip_insignificant();
    if parser.at < parser.lines.len() && parser.lines[parser.at].trim() == "---" {
        parser.at += 1;
        parser.skip_insignificant();
    }
    let Some(indent) = parser.indent() else { return Ok(Value::Null) };
    let value = parser.block(indent)?;
    parser.skip_insignificant();
    if parser.at < parser.lines.len() {
        return Err(format!("line {}: unexpected indentation", parser.at + 1));
    }
    Ok(value)
}

struct Parser<'l> {
    lines: &'l mut Vec<String>,
    at: usize,
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn is_item(content: &str) -> bool {
    content == "-" || content.starts_with("- ")
}

impl Parser<'_> {
    fn skip_insignificant(&mut self) {
        while self.at < self.lines.len() {
            let trimmed = self.lines[self.at].trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                self.at += 1;
            } else {
                break;
            }
        }
    }

    /// The indentation of the next significant line.
    fn indent(&mut self) -> Option<usize> {
        self.skip_insignificant();
        self.lines.get(self.at).map(|l| indent_of(l))
    }

    fn content(&self) -> &str {
        self.lines[self.at].trim_start()
    }

    fn block(&mut self, indent: usize) -> Result<Value, String> {
        if is_item(self.content()) { self.sequence(indent) } else { self.mapping(indent) }
    }

    fn sequence(&mut self, indent: usize) -> Result<Value, String> {
        let mut items = Vec::new();
        while self.indent() == Some(indent) && is_item(self.content()) {
            let rest = self.content()[1..].trim_start().to_string();
            if rest.is_empty() {
                self.at += 1;
                match self.indent() {
                    Some(inner) if inner > indent => items.push(self.block(inner)?),
                    _ => items.push(Value::Null),
                }
            } else if key_value(&rest).is_some() || is_item(&rest) {
                // `- key: value` opens a mapping (or `- - x` a sequence)
                // indented past the dash: rewrite the line as that.
                let inner = indent + 2;
                self.lines[self.at] = format!("{}{rest}", " ".repeat(inner));
                items.push(self.block(inner)?);
            } else {
                let line = self.at + 1;
                items.push(scalar(&rest).map_err(|e| format!("line {line}: {e}"))?);
                self.at += 1;
            }
        }
        Ok(Value::Array(items))
    }

    fn mapping(&mut self, indent: usize) -> Result<Value, String> {
        let mut map = Map::new();
        while self.indent() == Some(indent) && !is_item(self.content()) {
            let line = self.at + 1;
            let content = self.content().to_string();
            let (key, rest) = key_value(&content).ok_or_else(|| format!("line {line}: expected `key: value`"))?;
            let key = match scalar(key).map_err(|e| format!("line {line}: {e}"))? {
                Value::String(key) => key,
                other => other.to_string(),
            };
            if map.contains_key(&key) {
                return Err(format!("line {line}: duplicate key `{key}`"));
            }
            self.at += 1;
            let value = match rest.trim() {
                "" => match self.indent() {
                    Some(inner) if inner > indent => self.block(inner)?,
                    Some(inner) if inner == indent && is_item(self.content()) => self.sequence(indent)?,
                    _ => Value::Null,
                },
                "|" | "|-" => Value::String(self.literal(indent, rest.trim() == "|-")),
                other if other.starts_with('|') || other.starts_with('>') => {
                    return Err(format!("line {line}: only `|` and `|-` blocks are in the subset"));
                }
                other => scalar(other).map_err(|e| format!("line {line}: {e}"))?,
            };
            map.insert(key, value);
        }
        Ok(Value::Object(map))
    }

    /// A literal block: the lines indented past the key, their common
    /// indentation removed; `|` keeps one final newline, `|-` none.
    fn literal(&mut self, parent: usize, strip: bool) -> String {
        let start = self.at;
        let mut end = start;
        while end < self.lines.len() {
            let line = &self.lines[end];
            if !line.trim().is_empty() && indent_of(line) <= parent {
                break;
            }
            end += 1;
        }
        let block: Vec<&String> = self.lines[start..end].iter().collect();
        let indent = block.iter().filter(|l| !l.trim().is_empty()).map(|l| indent_of(l)).min().unwrap_or(0);
        let mut text: Vec<&str> = block.iter().map(|l| if l.len() >= indent { &l[indent..] } else { "" }).collect();
        while text.last().is_some_and(|l| l.is_empty()) {
            text.pop();
        }
        self.at = end;
        let mut out = text.join("\n");
        if !strip && !out.is_empty() {
            out.push('\n');
        }
        out
    }
}

/// `key: value` (or `key:`), the key plain or quoted.
fn key_value(content: &str) -> Option<(&str, &str)> {
    if content.starts_with('"') || content.starts_with('\'') {
        let quote = content.as_bytes()[0] as char;
        let close = content[1..].find(quote)? + 1;
        let after = &content[close + 1..];
        return after.strip_prefix(':').filter(|r| r.is_empty() || r.starts_with(' ')).map(|r| (&content[..=close], r));
    }
    if let Some(i) = content.find(": ") {
        return Some((&content[..i], &content[i + 2..]));
    }
    content.strip_suffix(':').map(|key| (key, ""))
}

fn scalar(text: &str) -> Result<Value, String> {
    let text = text.trim();
    if let Some(rest) = text.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = rest.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => return trailing(chars.as_str()).map(|_| Value::String(out)),
                '\\' => match chars.next() {
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    Some('\\') => out.push('\\'),
                    Some('"') => out.push('"'),
                    other => return Err(format!("escape `\\{}` is not in the subset", other.unwrap_or(' '))),
                },
                c => out.push(c),
            }
        }
        return Err("unterminated double-quoted string".into());
    }
    if let Some(rest) = text.strip_prefix('\'') {
        let mut out = String::new();
        let mut chars = rest.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\'' {
                if chars.peek() == Some(&'\'') {
                    chars.next();
                    out.push('\'');
                    continue;
                }
                let rest: String = chars.collect();
                return trailing(&rest).map(|_| Value::String(out));
            }
            out.push(c);
        }
        return Err("unterminated single-quoted string".into());
    }
    // A comment ends a plain scalar.
    let plain = match text.find(" #") {
        Some(i) => text[..i].trim_end(),
        None => text,
    };
    if plain.starts_with(['{', '[', '&', '*', '!', '>', '|', '%', '@', '`']) {
        return Err(format!("`{plain}`: flow collections, anchors, tags and the like are not in the subset"));
    }
    match plain {
        "" | "~" | "null" => Ok(Value::Null),
        "true" => Ok(Value::Bool(true)),
        "false" => Ok(Value::Bool(false)),
        "yes" | "no" | "on" | "off" | "Yes" | "No" | "On" | "Off" | "YES" | "NO" | "ON" | "OFF" | "True" | "False"
        | "TRUE" | "FALSE" => Err(format!("`{plain}`: quote it (YAML 1.1 readers take it for a boolean)")),
        _ => {
            if let Ok(n) = plain.parse::<i64>() {
                return Ok(Value::from(n));
            }
            if plain.parse::<f64>().is_ok() {
                return Err(format!("`{plain}`: quote numbers that are not integers"));
            }
            Ok(Value::String(plain.to_string()))
        }
    }
}

/// After a quoted scalar: nothing, or a comment.
fn trailing(rest: &str) -> Result<(), String> {
    let rest = rest.trim();
    if rest.is_empty() || rest.starts_with('#') {
        Ok(())
    } else {
        Err(format!("unexpected `{rest}` after a quoted string"))
    }
}
