//! The benchmarks' corpus: a deterministic, generated application repository
//! of realistic TypeScript and Python (see benches/scan.rs for its make-up).

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

const GENERATOR_VERSION: u32 = 2;

/// A small deterministic generator (xorshift), so every run sees the same corpus.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const NOUNS: &[&str] = &[
    "invoice", "ticket", "customer", "order", "report", "session", "message", "document", "payment", "account",
    "project", "summary", "note", "alert", "shipment", "review", "draft", "contract", "lead", "incident",
];

/// Writes the corpus to `root` once (a marker file records the generator version).
#[allow(dead_code, reason = "each bench includes this module and uses one of the generators")]
pub fn generate(root: &Path, target_bytes: usize) {
    generate_until(root, &|bytes, _| bytes >= target_bytes);
}

/// Writes a corpus of (about) `files` files to `root` once: the same make-up
/// as [`generate`], stopped by the number of files instead of their size.
#[allow(dead_code, reason = "each bench includes this module and uses one of the generators")]
pub fn generate_files(root: &Path, files: usize) {
    generate_until(root, &|_, written| written >= files);
}

/// Writes files until `done(bytes written, files written)`.
fn generate_until(root: &Path, done: &dyn Fn(usize, usize) -> bool) {
    let marker = root.join(".generator");
    if fs::read_to_string(&marker).ok().as_deref() == Some(&GENERATOR_VERSION.to_string()) {
        return;
    }
    let _ = fs::remove_dir_all(root);
    eprintln!("generating a corpus in {} ...", root.display());
    let mut rng = Rng(0x5eed_cafe_f00d_1234);
    let mut written = 0;
    let mut index = 0;
    let files = std::cell::Cell::new(0usize);
    let write_file = |rel: &str, text: &str| {
        files.set(files.get() + 1);
        let path: PathBuf = root.join(rel);
        fs::create_dir_all(path.parent().expect("has parent")).expect("create corpus dirs");
        fs::write(&path, text).expect("write corpus file");
        text.len()
    };
    written +=
        write_file("web/tsconfig.json", "{\"compilerOptions\":{\"baseUrl\":\".\",\"paths\":{\"@/*\":[\"./*\"]}}}\n");
    written += write_file(
        "web/lib/ai/client.ts",
        "import OpenAI from \"openai\";\n\nexport const openai = new OpenAI({ timeout: 20_000, maxRetries: 2 });\n",
    );
    written += write_file("service/app/__init__.py", "");
    while !done(written, files.get()) {
        let noun = rng.pick(NOUNS);
        // About one file in six calls a model, as in a typical AI product repo.
        let ai = rng.below(6) == 0;
        // Half of the model code sits behind another file: a route that
        // calls a service, which uses the shared client.
        if ai && rng.below(2) == 0 {
            if rng.below(2) == 0 {
                written += write_file(&format!("web/lib/services/{noun}-{index}.ts"), &ts_ai_service(&mut rng, noun));
                written += write_file(&format!("web/app/api/{noun}-{index}/route.ts"), &ts_service_route(noun, index));
            } else {
                written += write_file(&format!("service/app/ai/{noun}_{index}.py"), &py_ai_service(&mut rng, noun));
                written += write_file(&format!("service/app/routers/{noun}_{index}.py"), &py_router(noun, index));
            }
            index += 1;
            continue;
        }
        let (path, text) = match (rng.below(2), ai) {
            (0, true) => (format!("web/app/api/{noun}-{index}/route.ts"), ts_ai_route(&mut rng, noun)),
            (0, false) if rng.below(2) == 0 => {
                (format!("web/components/{noun}/{noun}-{index}.tsx"), tsx_component(&mut rng, noun))
            }
            (0, false) => (format!("web/lib/{noun}-{index}.ts"), ts_module(&mut rng, noun)),
            (_, true) => (format!("service/app/ai/{noun}_{index}.py"), py_ai_service(&mut rng, noun)),
            (_, false) => (format!("service/app/{noun}/{noun}_{index}.py"), py_module(&mut rng, noun)),
        };
        written += write_file(&path, &text);
        index += 1;
    }
    fs::write(marker, GENERATOR_VERSION.to_string()).expect("write marker");
}

fn ts_ai_route(rng: &mut Rng, noun: &str) -> String {
    let mut s = String::new();
    let sdk = rng.below(4);
    match sdk {
        0 => s.push_str("import OpenAI from \"openai\";\nconst openai = new OpenAI({ timeout: 20_000 });\n"),
        1 => s.push_str("import { generateText, streamText } from \"ai\";\nimport { openai } from \"@ai-sdk/openai\";\n"),
        2 => s.push_str("import Anthropic from \"@anthropic-ai/sdk\";\nconst anthropic = new Anthropic();\n"),
        _ => s.push_str("import { ChatOpenAI } from \"@langchain/openai\";\nimport { ChatPromptTemplate } from \"@langchain/core/prompts\";\nconst model = new ChatOpenAI({ model: \"gpt-4o-mini\", maxTokens: 512 });\n"),
    }
    s.push_str("import { NextResponse } from \"next/server\";\nimport { z } from \"zod\";\n\n");
    for i in 0..(6 + rng.below(8)) {
        let _ = write!(
            s,
            "const {noun}Schema{i} = z.object({{\n  id: z.string().uuid(),\n  title: z.string().min(1).max(200),\n  amount: z.number().nonnegative(),\n  tags: z.array(z.string()).default([]),\n}});\n\n"
        );
        let _ = write!(
            s,
            "function format{noun}{i}(input: z.infer<typeof {noun}Schema{i}>): string {{\n  const parts = [input.title, input.tags.join(\", \")];\n  if (input.amount > 1000) {{\n    parts.push(`large: ${{input.amount.toFixed(2)}}`);\n  }}\n  return parts.filter(Boolean).join(\" | \");\n}}\n\n"
        );
    }
    let call = match sdk {
        0 => format!("  const completion = await openai.chat.completions.create({{\n    model: \"gpt-4o-mini\",\n    max_tokens: 400,\n    messages: [\n      {{ role: \"system\", content: \"Summarise the {noun}.\" }},\n      {{ role: \"user\", content: text }},\n    ],\n  }});\n  const answer = completion.choices[0].message.content ?? \"\";\n"),
        1 => "  const { text: answer } = await generateText({\n    model: openai(\"gpt-4o\"),\n    prompt: text,\n  });\n".to_string(),
        2 => "  const message = await anthropic.messages.create({\n    model: \"claude-sonnet-4-5\",\n    max_tokens: 300,\n    messages: [{ role: \"user\", content: text }],\n  });\n  const answer = message.content[0].type === \"text\" ? message.content[0].text : \"\";\n".to_string(),
        _ => "  const prompt = ChatPromptTemplate.fromMessages([[\"system\", \"Be brief.\"], [\"user\", \"{input}\"]]);\n  const chain = prompt.pipe(model);\n  const result = await chain.invoke({ input: text });\n  const answer = String(result.content);\n".to_string(),
    };
    let _ = write!(
        s,
        "export async function POST(req: Request) {{\n  const body = await req.json();\n  const parsed = {noun}Schema0.safeParse(body);\n  if (!parsed.success) {{\n    return NextResponse.json({{ error: parsed.error.flatten() }}, {{ status: 400 }});\n  }}\n  const text = format{noun}0(parsed.data);\n  try {{\n{call}    return NextResponse.json({{ answer }});\n  }} catch (error) {{\n    console.error(\"{noun} summary failed\", error);\n    return NextResponse.json({{ error: \"unavailable\" }}, {{ status: 503 }});\n  }}\n}}\n"
    );
    s
}

/// A service module with the model call, through the shared client.
fn ts_ai_service(rng: &mut Rng, noun: &str) -> String {
    let mut s =
        String::from("import { openai } from \"@/lib/ai/client\";\nimport { logger } from \"@/lib/logger\";\n\n");
    for i in 0..(3 + rng.below(6)) {
        let _ = write!(
            s,
            "export function clean{noun}{i}(text: string): string {{\n  return text.replace(/\\s+/g, \" \").trim().slice(0, 4000);\n}}\n\n"
        );
    }
    let _ = write!(
        s,
        "export async function summarise{noun}(text: string): Promise<string> {{\n  try {{\n    const completion = await openai.chat.completions.create({{\n      model: \"gpt-4o-mini\",\n      max_tokens: 300,\n      messages: [{{ role: \"user\", content: clean{noun}0(text) }}],\n    }});\n    logger.info({{ usage: completion.usage }}, \"{noun} summarised\");\n    return completion.choices[0].message.content ?? \"\";\n  }} catch (error) {{\n    logger.error({{ error }}, \"{noun} summary failed\");\n    return \"\";\n  }}\n}}\n"
    );
    s
}

/// A route handler with no model code of its own: it calls a service.
fn ts_service_route(noun: &str, index: usize) -> String {
    format!(
        "import {{ NextResponse }} from \"next/server\";\nimport {{ auth }} from \"@clerk/nextjs/server\";\nimport {{ summarise{noun} }} from \"@/lib/services/{noun}-{index}\";\n\nexport async function POST(req: Request) {{\n  const {{ userId }} = await auth();\n  if (!userId) return new NextResponse(null, {{ status: 401 }});\n  const {{ text }} = await req.json();\n  return NextResponse.json({{ summary: await summarise{noun}(String(text)) }});\n}}\n"
    )
}

/// A FastAPI router with no model code of its own: it calls a service module.
fn py_router(noun: &str, index: usize) -> String {
    let module = format!("{}_{index}", noun);
    format!(
        "from fastapi import APIRouter, Depends\n\nfrom app.ai import {module}\nfrom app.deps import current_user\n\nrouter = APIRouter(prefix=\"/{noun}\")\n\n\n@router.post(\"/{index}/summary\")\ndef summary(item: {module}.{noun}Input0, user=Depends(current_user)):\n    return {module}.summarise(item)\n"
    )
}

fn tsx_component(rng: &mut Rng, noun: &str) -> String {
    let mut s = String::from(
        "\"use client\";\n\nimport { useEffect, useMemo, useState } from \"react\";\nimport { Button } from \"@/components/ui/button\";\nimport { Card, CardContent, CardHeader } from \"@/components/ui/card\";\n\n",
    );
    for i in 0..(4 + rng.below(8)) {
        let _ = write!(
            s,
            "type {noun}Props{i} = {{ items: {{ id: string; label: string; count: number }}[]; onSelect?: (id: string) => void }};\n\nexport function {noun}List{i}({{ items, onSelect }}: {noun}Props{i}) {{\n  const [query, setQuery] = useState(\"\");\n  const [page, setPage] = useState(0);\n  const visible = useMemo(\n    () => items.filter((item) => item.label.toLowerCase().includes(query.toLowerCase())).slice(page * 20, page * 20 + 20),\n    [items, query, page],\n  );\n  useEffect(() => {{\n    setPage(0);\n  }}, [query]);\n  return (\n    <Card>\n      <CardHeader>\n        <input className=\"input\" value={{query}} onChange={{(e) => setQuery(e.target.value)}} placeholder=\"Search {noun}s\" />\n      </CardHeader>\n      <CardContent>\n        <ul className=\"divide-y\">\n          {{visible.map((item) => (\n            <li key={{item.id}} className=\"flex justify-between py-2\">\n              <span>{{item.label}}</span>\n              <Button variant=\"ghost\" onClick={{() => onSelect?.(item.id)}}>{{item.count}}</Button>\n            </li>\n          ))}}\n        </ul>\n      </CardContent>\n    </Card>\n  );\n}}\n\n"
        );
    }
    s
}

fn ts_module(rng: &mut Rng, noun: &str) -> String {
    let mut s =
        String::from("import { db } from \"@/lib/db\";\nimport type { Request, Response } from \"express\";\n\n");
    for i in 0..(6 + rng.below(10)) {
        let _ = write!(
            s,
            "export interface {noun}Record{i} {{\n  id: string;\n  createdAt: Date;\n  status: \"open\" | \"closed\" | \"pending\";\n  total: number;\n}}\n\nexport async function list{noun}s{i}(req: Request, res: Response) {{\n  const page = Number(req.query.page ?? 1);\n  const rows = await db.query(\"SELECT id, created_at, status, total FROM {noun}s ORDER BY created_at DESC LIMIT 50 OFFSET $1\", [(page - 1) * 50]);\n  const records: {noun}Record{i}[] = rows.rows.map((r: any) => ({{\n    id: r.id,\n    createdAt: new Date(r.created_at),\n    status: r.status,\n    total: Number(r.total),\n  }}));\n  const byStatus = records.reduce<Record<string, number>>((acc, r) => {{\n    acc[r.status] = (acc[r.status] ?? 0) + r.total;\n    return acc;\n  }}, {{}});\n  res.json({{ records, byStatus, page }});\n}}\n\n"
        );
    }
    s
}

fn py_ai_service(rng: &mut Rng, noun: &str) -> String {
    let mut s = String::from(
        "import logging\nimport os\n\nfrom fastapi import APIRouter, HTTPException\nfrom pydantic import BaseModel\n",
    );
    let sdk = rng.below(3);
    match sdk {
        0 => s.push_str("from openai import OpenAI\n\nclient = OpenAI(timeout=30.0)\n"),
        1 => s.push_str("import anthropic\n\nclient = anthropic.Anthropic(api_key=os.environ[\"ANTHROPIC_API_KEY\"])\n"),
        _ => s.push_str("import boto3\nfrom botocore.config import Config\n\nbedrock = boto3.client(\"bedrock-runtime\", config=Config(read_timeout=60))\n"),
    }
    s.push_str("\nlogger = logging.getLogger(__name__)\nrouter = APIRouter()\n\n");
    for i in 0..(5 + rng.below(8)) {
        let _ = write!(
            s,
            "class {noun}Input{i}(BaseModel):\n    title: str\n    body: str\n    priority: int = 3\n\n\ndef normalise_{noun}_{i}(item: {noun}Input{i}) -> str:\n    lines = [line.strip() for line in item.body.splitlines() if line.strip()]\n    if item.priority < 2:\n        lines.insert(0, \"URGENT\")\n    return \"\\n\".join(lines[:200])\n\n\n"
        );
    }
    let call = match sdk {
        0 => format!("        completion = client.chat.completions.create(\n            model=\"gpt-4o-mini\",\n            max_tokens=300,\n            messages=[{{\"role\": \"system\", \"content\": \"Summarise the {noun}.\"}}, {{\"role\": \"user\", \"content\": text}}],\n        )\n        answer = completion.choices[0].message.content\n"),
        1 => "        message = client.messages.create(\n            model=\"claude-sonnet-4-5\",\n            max_tokens=300,\n            messages=[{\"role\": \"user\", \"content\": text}],\n        )\n        answer = message.content[0].text\n".to_string(),
        _ => "        response = bedrock.converse(\n            modelId=\"anthropic.claude-3-haiku\",\n            messages=[{\"role\": \"user\", \"content\": [{\"text\": text}]}],\n            inferenceConfig={\"maxTokens\": 300},\n        )\n        answer = response[\"output\"][\"message\"][\"content\"][0][\"text\"]\n".to_string(),
    };
    let _ = write!(
        s,
        "@router.post(\"/{noun}/summary\")\ndef summarise(item: {noun}Input0):\n    text = normalise_{noun}_0(item)\n    try:\n{call}    except Exception:\n        logger.exception(\"summary failed\")\n        raise HTTPException(status_code=503, detail=\"unavailable\")\n    return {{\"summary\": answer}}\n"
    );
    s
}

fn py_module(rng: &mut Rng, noun: &str) -> String {
    let mut s = String::from(
        "from __future__ import annotations\n\nimport datetime as dt\nfrom dataclasses import dataclass, field\nfrom typing import Iterable\n\nfrom sqlalchemy import Column, DateTime, Integer, String\nfrom sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n\n\n",
    );
    for i in 0..(6 + rng.below(10)) {
        let _ = write!(
            s,
            "class {noun}Row{i}(Base):\n    __tablename__ = \"{noun}_{i}\"\n    id = Column(Integer, primary_key=True)\n    name = Column(String(200), nullable=False)\n    created_at = Column(DateTime, default=dt.datetime.utcnow)\n\n\n@dataclass\nclass {noun}Stats{i}:\n    total: int = 0\n    by_day: dict[str, int] = field(default_factory=dict)\n\n    def add(self, rows: Iterable[{noun}Row{i}]) -> \"{noun}Stats{i}\":\n        for row in rows:\n            day = row.created_at.date().isoformat()\n            self.by_day[day] = self.by_day.get(day, 0) + 1\n            self.total += 1\n        return self\n\n\ndef busiest_day_{i}(stats: {noun}Stats{i}) -> str | None:\n    if not stats.by_day:\n        return None\n    return max(stats.by_day.items(), key=lambda kv: kv[1])[0]\n\n\n"
        );
    }
    s
}
