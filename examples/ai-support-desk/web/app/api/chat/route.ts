import { streamText, convertToModelMessages, type UIMessage } from "ai";
import { openai } from "@ai-sdk/openai";

export const maxDuration = 30;

// The support assistant. The tone is chosen by the widget embedding it.
export async function POST(req: Request) {
  const { messages, tone }: { messages: UIMessage[]; tone: string } = await req.json();

  const result = streamText({
    model: openai("gpt-4o"),
    system: `You are the Acme support assistant. Answer in a ${tone} tone. Never promise refunds.`,
    messages: convertToModelMessages(messages),
  });

  return result.toUIMessageStreamResponse();
}
