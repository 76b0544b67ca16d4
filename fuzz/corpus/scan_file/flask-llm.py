"""The one place the studio talks to OpenAI."""

import os

from flask import current_app
from openai import APIError, OpenAI

client = OpenAI(timeout=float(os.environ.get("LLM_TIMEOUT_S", "20")), max_retries=2)


class ModelError(RuntimeError):
    pass


def generate(system: str, prompt: str, *, max_tokens: int = 800) -> str:
    try:
        completion = client.chat.completions.create(
            model=current_app.config["OPENAI_MODEL"],
            max_tokens=max_tokens,
            messages=[
                {"role": "system", "content": system},
                {"role": "user", "content": prompt},
            ],
        )
    except APIError as exc:
        raise ModelError(str(exc)) from exc
    return completion.choices[0].message.content or ""
