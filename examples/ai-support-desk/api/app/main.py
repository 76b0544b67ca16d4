"""Support desk API: ticket triage, weekly reports and the agent assist panel."""

import logging
import os
import sqlite3

import anthropic
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.security import APIKeyHeader
from openai import OpenAI
from pydantic import BaseModel
from slowapi import Limiter
from slowapi.util import get_remote_address

from .settings import settings

logger = logging.getLogger("support-api")
app = FastAPI(title="Support desk API")
limiter = Limiter(key_func=get_remote_address)
app.state.limiter = limiter
api_key_header = APIKeyHeader(name="X-Api-Key")


def require_service_key(key: str = Depends(api_key_header)) -> str:
    """Only the web app's backend holds this key."""
    if key != settings.service_key:
        raise HTTPException(status_code=401, detail="Invalid API key")
    return key

claude = anthropic.Anthropic(api_key=os.environ["ANTHROPIC_API_KEY"], timeout=30.0, max_retries=2)
openai_client = OpenAI(base_url=settings.inference_url, api_key=os.environ.get("INFERENCE_API_KEY"))


class Ticket(BaseModel):
    subject: str
    body: str


def get_db():
    conn = sqlite3.connect(settings.database_path)
    try:
        yield conn
    finally:
        conn.close()


@app.get("/healthz")
def healthz():
    return {"status": "ok"}


@app.post("/v1/triage", dependencies=[Depends(require_service_key)])
@limiter.limit("30/minute")
def triage(request: Request, ticket: Ticket):
    try:
        message = claude.messages.create(
            model="claude-sonnet-4-5",
            max_tokens=200,
            system="Classify the ticket as billing, outage, account or other. Reply with one word.",
            messages=[{"role": "user", "content": f"{ticket.subject}\n\n{ticket.body}"}],
        )
    except anthropic.APIError:
        logger.exception("triage: Anthropic call failed")
        raise HTTPException(status_code=503, detail="Triage is unavailable")
    return {"queue": message.content[0].text.strip().lower()}


@app.get("/v1/assist/{product}")
def assist(product: str, question: str):
    # The assist panel answers questions about one product line.
    completion = openai_client.chat.completions.create(
        model=settings.assist_model,
        messages=[
            {"role": "system", "content": f"You are an expert on the {product} product. Be concise."},
            {"role": "user", "content": question},
        ],
    )
    return {"answer": completion.choices[0].message.content}


@app.post("/v1/reports/weekly")
def weekly_report(db: sqlite3.Connection = Depends(get_db), _key: str = Depends(require_service_key)):
    try:
        completion = openai_client.chat.completions.create(
            model=settings.assist_model,
            max_tokens=300,
            timeout=20,
            messages=[
                {"role": "system", "content": "Write one SQLite query counting tickets per status this week."},
            ],
        )
    except Exception:
        logger.exception("weekly report: model call failed")
        raise HTTPException(status_code=503, detail="Report generation is unavailable")
    query = completion.choices[0].message.content
    rows = db.execute(query).fetchall()
    return {"rows": rows}
