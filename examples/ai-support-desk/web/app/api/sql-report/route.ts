import { Pool } from "pg";
import { openai } from "@/lib/openai";

const pool = new Pool({ connectionString: process.env.DATABASE_URL });

const SCHEMA = `tickets(id, customer_id, status, priority, opened_at, closed_at)`;

// "Ask the data": turns a question from the ops dashboard into SQL and runs it.
export async function POST(req: Request) {
  const { question } = await req.json();
  const completion = await openai.chat.completions.create({
    model: "gpt-4o",
    max_tokens: 400,
    messages: [
      { role: "system", content: `Write one PostgreSQL SELECT for this schema: ${SCHEMA}. Reply with SQL only.` },
      { role: "user", content: question },
    ],
  });
  const sql = completion.choices[0].message.content ?? "";
  const { rows } = await pool.query(sql);
  return Response.json({ sql, rows });
}
