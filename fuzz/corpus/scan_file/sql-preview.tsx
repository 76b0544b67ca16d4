"use client";
// Shows SQL the assistant suggested, syntax-highlighted, for the analyst to
// copy. highlight.js escapes the code it highlights.
import { useEffect, useState } from "react";
import hljs from "highlight.js/lib/core";
import sqlLang from "highlight.js/lib/languages/sql";
import OpenAI from "openai";

hljs.registerLanguage("sql", sqlLang);

const proxy = new OpenAI({ baseURL: "/api/llm-proxy/v1", apiKey: "unused-by-proxy", dangerouslyAllowBrowser: true, timeout: 20_000 }); // ok: hardcoded-provider-key

export function SqlPreview({ question }: { question: string }) {
  const [html, setHtml] = useState("");
  useEffect(() => {
    proxy.chat.completions
      .create({ model: "gpt-4.1-mini", max_tokens: 400, messages: [{ role: "user", content: question }] })
      .then((c) => setHtml(hljs.highlight(c.choices[0]?.message.content ?? "", { language: "sql" }).value))
      .catch(() => setHtml("<em>unavailable</em>"));
  }, [question]);
  return <pre className="hljs" dangerouslySetInnerHTML={{ __html: html }} />; // ok: model-output-html
}
