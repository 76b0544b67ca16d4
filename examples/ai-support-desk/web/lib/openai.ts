import OpenAI from "openai";

// One client for the whole app: bounded waits, two retries, key from the environment.
export const openai = new OpenAI({
  apiKey: process.env.OPENAI_API_KEY,
  timeout: 20_000,
  maxRetries: 2,
});

export const SUMMARY_MODEL = "gpt-4o-mini";
