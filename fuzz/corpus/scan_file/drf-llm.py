import openai
from django.conf import settings

client = openai.OpenAI(timeout=settings.OPENAI_TIMEOUT_S, max_retries=2)


class ModelUnavailable(Exception):
    pass


def complete(system: str, text: str, *, max_tokens: int) -> str:
    try:
        completion = client.chat.completions.create(
            model=settings.OPENAI_MODEL,
            max_tokens=max_tokens,
            messages=[{"role": "system", "content": system}, {"role": "user", "content": text}],
        )
    except openai.APIError as exc:
        raise ModelUnavailable(str(exc)) from exc
    return completion.choices[0].message.content or ""
