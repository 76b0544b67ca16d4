import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    # The self-hosted vLLM box in the office rack.
    inference_url: str = os.getenv("OPENAI_BASE_URL", "http://10.20.0.15:8000/v1")
    assist_model: str = os.getenv("ASSIST_MODEL", "meta-llama/Llama-3.1-8B-Instruct")
    database_path: str = os.getenv("DATABASE_PATH", "support.db")
    service_key: str = os.environ.get("SUPPORT_API_KEY", "")


settings = Settings()
