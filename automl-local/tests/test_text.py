"""A TextClassification job trains TF-IDF pipelines and reports Accuracy."""

from __future__ import annotations

import random

import pytest

from tests.conftest import BUCKET, ROLE_ARN, unique

pytestmark = [pytest.mark.integration, pytest.mark.slow]

pd = pytest.importorskip("pandas")

TOPICS = {
    "sports": "match goal team coach season league score player stadium referee",
    "cooking": "recipe oven flour butter simmer sauce garlic bake kitchen spice",
    "space": "orbit rocket planet telescope astronaut galaxy launch moon satellite star",
}
FILLER = [
    "the",
    "a",
    "of",
    "and",
    "to",
    "in",
    "it",
    "is",
    "was",
    "for",
    "on",
    "with",
    "very",
    "really",
    "quite",
]


def reviews(per_topic: int = 40) -> pd.DataFrame:
    rng = random.Random(0)
    rows = []
    for topic, words in TOPICS.items():
        vocabulary = words.split()
        for _ in range(per_topic):
            text = rng.sample(vocabulary, 3) + rng.sample(FILLER, 5)
            rng.shuffle(text)
            rows.append({"text": " ".join(text), "label": topic})
    rng.shuffle(rows)
    return pd.DataFrame(rows)


def test_text_classification_job_trains_tfidf_candidates(sagemaker, put_frame, wait_for_job):
    uri = put_frame(reviews(), "datasets/topics/train.csv")
    name = unique("it-text")
    sagemaker.create_auto_ml_job_v2(
        AutoMLJobName=name,
        AutoMLJobInputDataConfig=[
            {
                "ChannelType": "training",
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": uri}},
            }
        ],
        OutputDataConfig={"S3OutputPath": f"s3://{BUCKET}/text-output/"},
        RoleArn=ROLE_ARN,
        AutoMLProblemTypeConfig={
            "TextClassificationJobConfig": {
                "ContentColumn": "text",
                "TargetLabelColumn": "label",
                "CompletionCriteria": {"MaxCandidates": 3},
            }
        },
    )
    job = wait_for_job(name)

    assert (job["AutoMLJobStatus"], job["AutoMLJobSecondaryStatus"]) == ("Completed", "MaxCandidatesReached")
    best = job["BestCandidate"]
    assert best["FinalAutoMLJobObjectiveMetric"]["MetricName"] == "Accuracy"
    assert best["FinalAutoMLJobObjectiveMetric"]["Value"] > 0.8
    assert best["InferenceContainerDefinitions"]["CPU"] == best["InferenceContainers"]
    candidates = sagemaker.list_candidates_for_auto_ml_job(AutoMLJobName=name)["Candidates"]
    assert len(candidates) == 3


def test_text_job_with_a_missing_content_column_fails(sagemaker, put_frame, wait_for_job):
    uri = put_frame(reviews(10).rename(columns={"text": "body"}), "datasets/topics-bad/train.csv")
    name = unique("it-text-bad")
    sagemaker.create_auto_ml_job_v2(
        AutoMLJobName=name,
        AutoMLJobInputDataConfig=[
            {
                "ChannelType": "training",
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": uri}},
            }
        ],
        OutputDataConfig={"S3OutputPath": f"s3://{BUCKET}/text-output/"},
        RoleArn=ROLE_ARN,
        AutoMLProblemTypeConfig={
            "TextClassificationJobConfig": {"ContentColumn": "text", "TargetLabelColumn": "label"}
        },
    )
    job = wait_for_job(name)

    assert job["AutoMLJobStatus"] == "Failed"
    assert "ContentColumn 'text' is not a column" in job["FailureReason"]
