//! The evidence report as one self-contained HTML file (`--format html`):
//! the Markdown report rendered, with its stylesheet inline and no external
//! asset, readable on screen and when printed (table headers repeat on each
//! printed page, rows are not split, long paths wrap).

use pulldown_cmark::{Event, Options, Parser, html};

use super::audit::AuditReport;

const STYLE: &str = r#"
:root { color-scheme: light; }
body { font: 15px/1.5 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1f2328; max-width: 60rem; margin: 2rem auto; padding: 0 1.5rem; }
h1 { font-size: 1.8rem; border-bottom: 2px solid #1f2328; padding-bottom: .3rem; }
h2 { font-size: 1.35rem; margin-top: 2.2rem; border-bottom: 1px solid #d0d7de; padding-bottom: .2rem; }
h3 { font-size: 1.1rem; margin-top: 1.6rem; }
blockquote { margin: .5rem 0; padding: .2rem .9rem; border-left: 4px solid #d0d7de; color: #57606a; }
table { border-collapse: collapse; width: 100%; margin: .6rem 0 1rem; font-size: .9rem; }
th, td { border: 1px solid #d0d7de; padding: .3rem .5rem; text-align: left; vertical-align: top; }
td { overflow-wrap: break-word; }
th { background: #f6f8fa; overflow-wrap: normal; word-break: normal; hyphens: manual; }
a { color: #0550ae; }
.nw { white-space: nowrap; }
code, pre { font: .85rem/1.45 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
code { background: #f6f8fa; padding: .05rem .25rem; border-radius: 3px; overflow-wrap: break-word; }
pre { background: #f6f8fa; padding: .6rem .8rem; overflow-x: auto; white-space: pre-wrap; border-radius: 4px; }
pre code { background: none; padding: 0; }
@media print {
  body { max-width: none; margin: 0; font-size: 10.5pt; }
  h2 { break-after: avoid; }
  h3 { break-after: avoid; }
  thead { display: table-header-group; }
  tr, pre, blockquote { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
"#;

pub fn render(report: &AuditReport) -> String {
    let markdown = super::markdown::render(report);
    // Text from the scanned code is shown, never interpreted: raw HTML in the
    // Markdown becomes text.
    let events = Parser::new_ext(&markdown, Options::ENABLE_TABLES).map(|event| match event {
        Event::Html(text) | Event::InlineHtml(text) => Event::Text(text),
        // Browsers break after a hyphen, and an automatic table squeezes a
        // column to its narrowest: `inference-without-auth` and
        // `failure-path` came out split. Code breaks only after a `/` (a
        // path), hyphenated words not at all.
        Event::Code(text) => Event::InlineHtml(code(&text).into()),
        Event::Text(text) if text.contains('-') => Event::InlineHtml(unbroken_hyphens(&text).into()),
        other => other,
    });
    let mut body = String::new();
    html::push_html(&mut body, events);
    // A key/value table (Identification) has a blank header row in
    // Markdown, which has no table without one; HTML does.
    let body = body.replace("<thead><tr><th></th><th></th></tr></thead>", "");
    let title = format!("AI application code evidence report {}", report.id);
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"custodia {}\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        report.tool_version,
        escape(&title)
    )
}

/// Inline code whose only break opportunities are after each `/`.
fn code(text: &str) -> String {
    let mut pieces = Vec::new();
    let mut rest = text;
    while let Some(slash) = rest.find('/') {
        pieces.push(&rest[..=slash]);
        rest = &rest[slash + 1..];
    }
    pieces.push(rest);
    let spans: Vec<String> =
        pieces.iter().filter(|p| !p.is_empty()).map(|p| format!("<span class=\"nw\">{}</span>", escape(p))).collect();
    format!("<code>{}</code>", spans.join("<wbr>"))
}

/// Text whose hyphenated words (`failure-path`, `@web-team`, a date) are
/// each kept on one line; it still breaks between words.
fn unbroken_hyphens(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            if word.contains('-') && word.chars().count() <= 40 {
                format!("<span class=\"nw\">{}</span>", escape(word))
            } else {
                escape(word)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
