import OpenAI from "openai";
import { NextResponse } from "next/server";

const client = new OpenAI({ apiKey: process.env.OPENAI_API_KEY, timeout: 15_000 });

const SYSTEM_PROMPT =
  "You summarise customer support tickets for the on-call engineer. Three bullet points, no speculation.";

export async function POST(req: Request) {
  const { ticket } = await req.json();
  try {
    const completion = await client.chat.completions.create({
      model: "gpt-4o-mini",
      max_completion_tokens: 300,
      messages: [
        { role: "system", content: SYSTEM_PROMPT },
        { role: "user", content: ticket },
      ],
    });
    return NextResponse.json({ summary: completion.choices[0].message.content });
  } catch (error) {
    console.error("summarize: provider call failed", error);
    return NextResponse.json({ error: "Summaries are temporarily unavailable" }, { status: 503 });
  }
}
