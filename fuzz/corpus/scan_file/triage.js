const { chatCompletion } = require("../lib/llm");

const LABELS = ["billing", "bug", "how-to", "account", "feature-request", "other"];

const TRIAGE_SYSTEM =
  `Classify the support ticket into exactly one of: ${LABELS.join(", ")}. ` +
  "Answer with the label only.";

async function classifyTicket(text) {
  const { text: raw } = await chatCompletion({
    system: TRIAGE_SYSTEM,
    messages: [{ role: "user", content: text.slice(0, 8000) }],
    maxTokens: 5,
    temperature: 0,
  });
  const label = raw.trim().toLowerCase();
  return LABELS.includes(label) ? label : "other";
}

module.exports = { classifyTicket, LABELS };
