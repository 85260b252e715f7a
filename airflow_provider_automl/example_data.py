"""Data and settings for the example DAGs, generated here so no example needs a download.

Settings come from environment variables so the same DAG files run against AWS and the local
backend: ``AUTOML_EXAMPLE_BUCKET``, ``AUTOML_EXAMPLE_ROLE_ARN``, ``AUTOML_EXAMPLE_MAX_RUNTIME``,
``AUTOML_EXAMPLE_MAX_CANDIDATES``, ``AUTOML_EXAMPLE_CHECK_INTERVAL``.
"""

from __future__ import annotations

import csv
import io
import math
import os
import random
from collections.abc import Sequence
from datetime import date, timedelta

BUCKET = os.environ.get("AUTOML_EXAMPLE_BUCKET", "automl-example")
ROLE_ARN = os.environ.get("AUTOML_EXAMPLE_ROLE_ARN", "arn:aws:iam::123456789012:role/SageMakerAutopilot")
MAX_RUNTIME = int(os.environ.get("AUTOML_EXAMPLE_MAX_RUNTIME", "600"))
MAX_CANDIDATES = int(os.environ.get("AUTOML_EXAMPLE_MAX_CANDIDATES", "5"))
CHECK_INTERVAL = int(os.environ.get("AUTOML_EXAMPLE_CHECK_INTERVAL", "5"))
# One S3 prefix per DAG run, made of characters S3 keys and job names both accept.
RUN_PREFIX = "{{ dag.dag_id }}/{{ run_id | replace(':', '-') | replace('+', '-') }}"


def _csv(header: list[str], rows: Sequence[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def churn_csv(rows: int = 2000, seed: int = 7) -> str:
    """Customer churn: a binary target with real signal in tenure, charges, calls and contract."""
    rng = random.Random(seed)
    data = []
    for _ in range(rows):
        tenure = rng.randint(1, 72)
        charges = round(rng.uniform(20, 120), 2)
        calls = rng.randint(0, 9)
        contract = rng.choice(["monthly", "annual", "two_year"])
        score = 1.5 - 0.05 * tenure + 0.02 * charges + 0.35 * calls
        score -= {"monthly": 0.0, "annual": 1.2, "two_year": 2.4}[contract]
        churned = "yes" if rng.random() < 1 / (1 + math.exp(-score)) else "no"
        data.append([tenure, charges, calls, contract, churned])
    return _csv(["tenure_months", "monthly_charges", "support_calls", "contract", "churned"], data)


def demand_csv(items: int = 3, days: int = 120, seed: int = 11) -> str:
    """Daily demand per store item: trend, weekly season and noise."""
    rng = random.Random(seed)
    start = date(2025, 1, 1)
    data = []
    for item in range(items):
        level = 40 + 15 * item
        for day in range(days):
            weekly = 8 * math.sin(2 * math.pi * day / 7)
            demand = max(0.0, level + 0.1 * day + weekly + rng.gauss(0, 3))
            data.append([f"item-{item}", (start + timedelta(days=day)).isoformat(), round(demand, 2)])
    return _csv(["item_id", "timestamp", "demand"], data)


_POSITIVE = ["great", "love", "excellent", "fast", "friendly", "perfect", "recommend", "happy"]
_NEGATIVE = ["broken", "late", "rude", "refund", "terrible", "slow", "disappointed", "worst"]
_NEUTRAL = ["the", "order", "product", "delivery", "service", "package", "price", "store", "it", "was"]


def reviews_csv(rows: int = 600, seed: int = 5) -> str:
    """Short product reviews labelled positive / negative."""
    rng = random.Random(seed)
    data = []
    for _ in range(rows):
        label = rng.choice(["positive", "negative"])
        words = rng.sample(_NEUTRAL, 4) + rng.sample(_POSITIVE if label == "positive" else _NEGATIVE, 2)
        if rng.random() < 0.1:  # some noise, so scores are not perfect
            words.append(rng.choice(_NEGATIVE if label == "positive" else _POSITIVE))
        rng.shuffle(words)
        data.append([" ".join(words), label])
    return _csv(["review", "sentiment"], data)


def upload(text: str, key: str, aws_conn_id: str = "aws_default") -> str:
    """Put ``text`` at ``s3://BUCKET/key`` (creating the bucket if needed) and return the URI."""
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

    s3 = S3Hook(aws_conn_id=aws_conn_id)
    if not s3.check_for_bucket(BUCKET):
        s3.create_bucket(bucket_name=BUCKET)
    s3.load_string(text, key=key, bucket_name=BUCKET, replace=True)
    return f"s3://{BUCKET}/{key}"
