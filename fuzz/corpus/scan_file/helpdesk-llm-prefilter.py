"""Shared model clients for background jobs."""

import os

import cohere

co_jobs = cohere.AsyncClientV2(
    api_key=os.environ["CO_API_KEY"],  # evidence: secret-from-environment
    timeout=45,
)
