import OpenAI from "openai";

const openai = new OpenAI({ timeout: 20_000, maxRetries: 1 });

export async function draftReleaseNotes(changes: string[]) {
  try {
    const completion = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      max_completion_tokens: 700,
      messages: [
        { role: "system", content: "Turn the merged pull request titles into customer-facing release notes in Markdown." },
        { role: "user", content: changes.join("\n") },
      ],
    });
    return completion.choices[0]?.message?.content ?? "";
  } catch (err) {
    throw new Error("release notes unavailable", { cause: err });
  }
}
