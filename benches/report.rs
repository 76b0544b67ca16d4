//! The PDF evidence report for a project with over 1,000 findings.
//!
//! ```sh
//! cargo bench --bench report                    # 1,000+ findings, 5 runs
//! CUSTODIA_BENCH_ROUTES=400 cargo bench --bench report
//! ```
//!
//! Generates (deterministically, in `target/bench-report-<routes>/`) a
//! Next.js project whose routes call OpenAI without auth, rate limit,
//! logging, token cap, timeout or failure path: six findings a route, each
//! with a code excerpt in the report. Times the whole `custodia report -o
//! report.pdf` (release binary: scan, report model, PDF) and, in process,
//! the PDF rendering alone (layout, shaping, font subsetting, compression).

use std::path::Path;
use std::process::Command;
use std::time::Instant;

fn main() {
    let routes: usize = std::env::var("CUSTODIA_BENCH_ROUTES").ok().and_then(|v| v.parse().ok()).unwrap_or(180);
    let runs: usize = std::env::var("CUSTODIA_BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(5);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("target/bench-report-{routes}"));
    generate(&root, routes);

    let engine = custodia::engine::Engine::new(custodia::config::Config::default());
    let result = custodia::scan::scan(&engine, &custodia::scan::ScanOptions::new(&root)).expect("scan");
    let audit = custodia::report::audit::build(&result, &engine, "custodia report . -o report.pdf");
    let findings = result.findings.len();

    let mut render_ms = Vec::new();
    let mut bytes = 0;
    for _ in 0..runs {
        let start = Instant::now();
        let pdf = custodia::report::pdf::render(&audit, None).expect("render");
        render_ms.push(start.elapsed().as_secs_f64() * 1000.0);
        bytes = pdf.len();
    }
    let out = root.join("report.pdf");
    let mut command_ms = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        let status = Command::new(env!("CARGO_BIN_EXE_custodia"))
            .arg("report")
            .arg(&root)
            .arg("-o")
            .arg(&out)
            .arg("--no-record")
            .env("SOURCE_DATE_EPOCH", "1795737600")
            .output()
            .expect("custodia report");
        assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
        command_ms.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    let pages = std::fs::read(&out).map(|pdf| pages(&pdf)).unwrap_or(0);
    println!(
        "| findings | pages | PDF size | render only (ms, median) | `custodia report -o report.pdf` (ms, median) |"
    );
    println!("|---|---|---|---|---|");
    println!(
        "| {findings} | {} | {:.1} MB | {:.0} | {:.0} |",
        if pages > 0 { pages.to_string() } else { "-".to_string() },
        bytes as f64 / 1e6,
        median(&mut render_ms),
        median(&mut command_ms)
    );
}

/// Page objects: `/Type/Page` not followed by `s` (that is the page tree).
fn pages(pdf: &[u8]) -> usize {
    const NEEDLE: &[u8] = b"/Type/Page";
    pdf.windows(NEEDLE.len() + 1).filter(|w| w.starts_with(NEEDLE) && w[NEEDLE.len()] != b's').count()
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// `routes` Next.js route handlers, each calling the model the way a first
/// prototype does: no guard, no limit, no cap, no timeout, no failure path.
fn generate(root: &Path, routes: usize) {
    if root.join("package.json").exists() {
        return;
    }
    std::fs::create_dir_all(root).expect("corpus dir");
    std::fs::write(
        root.join("package.json"),
        r#"{ "name": "bench-report", "dependencies": { "next": "15.0.0", "openai": "4.0.0" } }"#,
    )
    .expect("package.json");
    for i in 0..routes {
        let dir = root.join(format!("app/api/workspaces/[workspaceId]/assistants/feature-{i:04}"));
        std::fs::create_dir_all(&dir).expect("route dir");
        std::fs::write(
            dir.join("route.ts"),
            format!(
                r#"import OpenAI from "openai";

const openai = new OpenAI();

export async function POST(req: Request) {{
  const {{ question, tone }} = await req.json();
  const completion = await openai.chat.completions.create({{
    model: "gpt-4o-mini",
    messages: [
      {{ role: "system", content: "You answer questions about feature {i} of the product, in a " + tone + " tone." }},
      {{ role: "user", content: question }},
    ],
  }});
  return Response.json({{ answer: completion.choices[0].message.content }});
}}
"#
            ),
        )
        .expect("route");
    }
}
