"use client";

import DOMPurify from "dompurify";
import { marked } from "marked";

// Renders an assistant answer (Markdown) as HTML, sanitised first.
export function Answer({ markdown }: { markdown: string }) {
  const html = DOMPurify.sanitize(marked.parse(markdown) as string);
  return <div className="prose" dangerouslySetInnerHTML={{ __html: html }} />;
}
