import logging

from anthropic import Anthropic

client = Anthropic(timeout=20.0)
log = logging.getLogger(__name__)


def answer(question: str) -> str:
    try:
        message = client.messages.create(  # ok: missing-failure-path
            model="claude-sonnet-4-5",
            max_tokens=512,
            messages=[{"role": "user", "content": question}],
        )
    except Exception:
        log.exception("primary model failed; retrying on the smaller model")
        message = client.messages.create(  # ok: missing-failure-path
            model="claude-haiku-4-5",
            max_tokens=512,
            messages=[{"role": "user", "content": question}],
        )
    return message.content[0].text


def summary(question: str) -> str:
    try:
        log.info("summarizing")
    finally:
        message = client.messages.create(  # expect: missing-failure-path
            model="claude-haiku-4-5",
            max_tokens=256,
            messages=[{"role": "user", "content": question}],
        )
    return message.content[0].text
