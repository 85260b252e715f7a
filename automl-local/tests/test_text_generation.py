"""TextGeneration jobs fit a small n-gram model on input/output pairs, with Autopilot's validation and metrics."""

from __future__ import annotations

import random
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import BUCKET, ROLE_ARN, unique
from tests.shape_check import RawAnswers, assert_valid_answer

pytestmark = [pytest.mark.integration, pytest.mark.slow]

pd = pytest.importorskip("pandas")

COLOURS = {
    "banana": "yellow",
    "apple": "red",
    "lime": "green",
    "plum": "purple",
    "cherry": "red",
    "lemon": "yellow",
    "kiwi": "brown",
    "blueberry": "blue",
    "pear": "green",
    "grape": "purple",
}
FRENCH = {
    "cat": "chat",
    "dog": "chien",
    "house": "maison",
    "water": "eau",
    "bread": "pain",
    "book": "livre",
    "tree": "arbre",
    "sun": "soleil",
    "moon": "lune",
    "friend": "ami",
}
LOSS_METRICS = {"TrainingLoss", "ValidationLoss", "Perplexity", "Rouge1", "Rouge2", "RougeL", "RougeLSum"}


def pairs(count: int, seed: int = 0) -> pd.DataFrame:
    """Prompts in a few phrasings; completions follow fixed templates with the asked-for fact."""
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        if rng.random() < 0.5:
            fruit = rng.choice(list(COLOURS))
            prompt = rng.choice(
                ["What colour is a {}?", "Tell me the colour of a {}.", "Which colour has a {}?"]
            )
            rows.append((prompt.format(fruit), f"A {fruit} is {COLOURS[fruit]}."))
        else:
            word = rng.choice(list(FRENCH))
            prompt = rng.choice(["Translate to French: {}", "How do you say {} in French?", "French for {}?"])
            rows.append((prompt.format(word), f"In French, {word} is {FRENCH[word]}."))
    return pd.DataFrame(rows, columns=["input", "output"])


def generation_request(
    name: str, uri: str, *, validation_uri: str | None = None, **config: Any
) -> dict[str, Any]:
    channels = [
        {
            "ChannelType": "training",
            "ContentType": "text/csv;header=present",
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": uri}},
        }
    ]
    if validation_uri:
        channels.append(dict(channels[0], ChannelType="validation"))
        channels[1]["DataSource"] = {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": validation_uri}}
    extra = config.pop("extra", {})
    return {
        "AutoMLJobName": name,
        "AutoMLJobInputDataConfig": channels,
        "OutputDataConfig": {"S3OutputPath": f"s3://{BUCKET}/textgen-output/"},
        "RoleArn": ROLE_ARN,
        "AutoMLProblemTypeConfig": {"TextGenerationJobConfig": config},
        **extra,
    }


@pytest.fixture(scope="module")
def pairs_uri(put_frame: Any) -> str:
    return put_frame(pairs(240), "datasets/textgen/train.csv")


@pytest.fixture(scope="module")
def generation_job(sagemaker: Any, pairs_uri: str, wait_for_job: Any) -> dict[str, Any]:
    name = unique("it-textgen")
    sagemaker.create_auto_ml_job_v2(**generation_request(name, pairs_uri))
    job = wait_for_job(name, timeout=180)
    assert job["AutoMLJobStatus"] == "Completed", job.get("FailureReason")
    return job


def metrics_of(candidate: dict[str, Any]) -> dict[str, float]:
    return {m["StandardMetricName"]: m["Value"] for m in candidate["CandidateProperties"]["CandidateMetrics"]}


def test_text_generation_job_fits_a_model_with_real_metrics(sagemaker, generation_job):
    best = generation_job["BestCandidate"]
    metrics = metrics_of(best)
    assert set(metrics) == LOSS_METRICS
    assert all(
        "MetricName" not in m for m in best["CandidateProperties"]["CandidateMetrics"]
    )  # outside the enum
    assert "FinalAutoMLJobObjectiveMetric" not in best
    vocabulary = len({w for text in pairs(240)["output"] for w in text.replace(".", " .").split()})
    assert metrics["Perplexity"] < 3 < vocabulary  # far below a uniform guess over the completions' words
    assert metrics["TrainingLoss"] <= metrics["ValidationLoss"] + 0.2
    assert metrics["Rouge1"] > 0.6 and metrics["RougeL"] > 0.6
    assert generation_job["ResolvedAttributes"] == {
        "CompletionCriteria": {"MaxCandidates": 1, "MaxRuntimePerTrainingJobInSeconds": 259200},
        "AutoMLProblemTypeResolvedAttributes": {
            "TextGenerationResolvedAttributes": {"BaseModelName": "Falcon7BInstruct"}
        },
    }
    assert best["InferenceContainerDefinitions"] == {"GPU": best["InferenceContainers"]}
    assert "tgi-inference" in best["InferenceContainers"][0]["Image"]
    assert (
        len(
            sagemaker.list_candidates_for_auto_ml_job(AutoMLJobName=generation_job["AutoMLJobName"])[
                "Candidates"
            ]
        )
        == 1
    )


def test_text_generation_answers_validate_against_the_output_shapes(sagemaker, generation_job):
    name = generation_job["AutoMLJobName"]
    raw = RawAnswers(sagemaker)
    with raw.recording():
        answers = {
            "DescribeAutoMLJobV2": sagemaker.describe_auto_ml_job_v2(AutoMLJobName=name),
            "ListCandidatesForAutoMLJob": sagemaker.list_candidates_for_auto_ml_job(
                AutoMLJobName=name, SortBy="FinalObjectiveMetricValue"
            ),
            "ListAutoMLJobs": sagemaker.list_auto_ml_jobs(NameContains=name),
        }
    for action, answer in answers.items():
        assert_valid_answer(sagemaker, action, answer, raw.last(action))


def test_the_fitted_model_generates_from_prompts(local_backend, generation_job):
    from automl_local.models import load_candidate, mirror_fetch
    from automl_local.signing import load_key
    from automl_local.store import ARTIFACTS_DIR

    model = load_candidate(
        generation_job,
        generation_job["BestCandidate"],
        key=load_key(local_backend.data_dir),
        fetch=mirror_fetch(local_backend.data_dir / ARTIFACTS_DIR),
    ).model

    greedy = model.generate(["What colour is a lime?", "How do you say moon in French?"], {})
    assert greedy == ["A lime is green.", "In French, moon is lune."]
    sampled = {"do_sample": True, "temperature": 1.5, "top_p": 0.95, "seed": 7, "max_new_tokens": 12}
    first = model.generate(["Which colour has a plum?", "French for tree?"], sampled)
    assert model.generate(["Which colour has a plum?", "French for tree?"], sampled) == first
    assert all(len(text.split()) <= 12 for text in first)
    assert model.generate(["French for tree?"], {"max_new_tokens": 2}) == ["In French"]
    assert (
        model.predict(pd.DataFrame({"input": ["What colour is a kiwi?"]}))["generated_text"][0]
        == "A kiwi is brown."
    )
    for bad, named in (
        ({"max_new_tokens": 0}, "max_new_tokens"),
        ({"top_p": 2}, "top_p"),
        ({"beams": 2}, "beams"),
    ):
        with pytest.raises(ValueError, match=named):
            model.generate(["French for tree?"], bad)


def test_a_gated_model_with_its_eula_accepted_trains_with_the_hyperparameters(
    sagemaker, put_frame, pairs_uri, wait_for_job
):
    validation_uri = put_frame(pairs(60, seed=3), "datasets/textgen-validation/valid.csv")
    name = unique("it-textgen-llama")
    hyperparameters = {
        "epochCount": "2",
        "batchSize": "4",
        "learningRate": "0.3",
        "learningRateWarmupSteps": "3",
    }
    sagemaker.create_auto_ml_job_v2(
        **generation_request(
            name,
            pairs_uri,
            validation_uri=validation_uri,
            BaseModelName="Llama2-7BChat",
            ModelAccessConfig={"AcceptEula": True},
            TextGenerationHyperParameters=hyperparameters,
            CompletionCriteria={"MaxCandidates": 1},
        )
    )
    job = wait_for_job(name, timeout=180)

    assert (job["AutoMLJobStatus"], job["AutoMLJobSecondaryStatus"]) == ("Completed", "MaxCandidatesReached")
    assert (
        job["AutoMLProblemTypeConfig"]["TextGenerationJobConfig"]["TextGenerationHyperParameters"]
        == hyperparameters
    )
    resolved = job["ResolvedAttributes"]["AutoMLProblemTypeResolvedAttributes"]
    assert resolved == {"TextGenerationResolvedAttributes": {"BaseModelName": "Llama2-7BChat"}}
    assert metrics_of(job["BestCandidate"])["Perplexity"] < 3


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (
            {"BaseModelName": "Falcon8B"},
            "Invalid TextGenerationJobConfig.BaseModelName: 'Falcon8B'. Allowed: Dolly3B, Dolly7B",
        ),
        (
            {"BaseModelName": "Llama2-13B"},
            "ModelAccessConfig.AcceptEula is not set for BaseModelName 'Llama2-13B'",
        ),
        (
            {"BaseModelName": "Llama2-7B", "ModelAccessConfig": {"AcceptEula": False}},
            "ModelAccessConfig.AcceptEula is false for BaseModelName 'Llama2-7B'",
        ),
        (
            {"TextGenerationHyperParameters": {"epochCount": "11"}},
            "TextGenerationHyperParameters.epochCount: '11'. It must be a string holding an integer from 1 to 10",
        ),
        (
            {"TextGenerationHyperParameters": {"epochCount": "2.5"}},
            "TextGenerationHyperParameters.epochCount: '2.5'. It must be a string holding an integer from 1 to 10",
        ),
        (
            {"TextGenerationHyperParameters": {"batchSize": "0"}},
            "TextGenerationHyperParameters.batchSize: '0'. It must be a string holding an integer from 1 to 64",
        ),
        (
            {"TextGenerationHyperParameters": {"learningRate": "1.5"}},
            "TextGenerationHyperParameters.learningRate: '1.5'. It must be a string holding a number from 0 to 1",
        ),
        (
            {"TextGenerationHyperParameters": {"learningRateWarmupSteps": "251"}},
            "learningRateWarmupSteps: '251'. It must be a string holding an integer from 0 to 250",
        ),
        (
            {"TextGenerationHyperParameters": {"dropout": "0.1"}},
            "unknown name(s) ['dropout']. Allowed: epochCount, batchSize, learningRate, learningRateWarmupSteps",
        ),
        ({"CompletionCriteria": {"MaxCandidates": 3}}, "MaxCandidates: 3. Fine-tuning trains one model"),
        (
            {"extra": {"AutoMLJobObjective": {"MetricName": "Accuracy"}}},
            "MetricName: 'Accuracy' for TextGeneration. Fine-tuning minimises the cross-entropy loss",
        ),
    ],
)
def test_invalid_text_generation_requests_are_validation_errors(sagemaker, pairs_uri, config, expected):
    request = generation_request(unique("it-textgen-bad"), pairs_uri, **config)
    with pytest.raises(ClientError) as caught:
        sagemaker.create_auto_ml_job_v2(**request)
    error = caught.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert expected in error["Message"]


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (pairs(30).assign(topic="x"), "text generation data has exactly two columns, 'input'"),
        (pairs(1001), "The data has 1001 rows (training and validation together); Falcon7BInstruct"),
    ],
    ids=["extra-column", "over-the-row-limit"],
)
def test_data_autopilot_refuses_fails_the_job(sagemaker, put_frame, wait_for_job, frame, expected):
    uri = put_frame(frame, f"datasets/textgen-bad-{len(frame)}-{len(frame.columns)}/train.csv")
    name = unique("it-textgen-data")
    sagemaker.create_auto_ml_job_v2(**generation_request(name, uri))
    job = wait_for_job(name, timeout=120)

    assert job["AutoMLJobStatus"] == "Failed"
    assert expected in job["FailureReason"]


def test_every_candidate_step_describes_and_validates(sagemaker, generation_job):
    from tests.test_steps import candidates_of, describe_every_step

    described = describe_every_step(sagemaker, candidates_of(sagemaker, generation_job["AutoMLJobName"]))
    training = [d for d in described.values() if "TrainingJobStatus" in d]
    assert training and all(d["TrainingJobStatus"] == "Completed" for d in training)


# -- without a server ------------------------------------------------------------------------------


def test_rouge_scores_on_known_pairs():
    from automl_local.engines.rouge import rouge_scores

    same = rouge_scores(["the cat sat"], ["the cat sat"])
    assert same == {"Rouge1": 1.0, "Rouge2": 1.0, "RougeL": 1.0, "RougeLSum": 1.0}
    partial = rouge_scores(["the cat sat on the mat"], ["the cat lay on the mat"])
    assert partial["Rouge1"] == pytest.approx(5 / 6)
    assert partial["Rouge2"] == pytest.approx(3 / 5)
    assert partial["RougeL"] == pytest.approx(5 / 6)
    assert rouge_scores(["dog"], ["cat"])["Rouge1"] == 0.0


def test_hyperparameter_steps_change_the_fit():
    """learningRate 0 leaves the mixture at its start; more epochs fit the held-out pairs better."""
    from automl_local.base_models import parse_hyperparameters
    from automl_local.engines.generation import TextGenerationEngine
    from automl_local.spec import JobSpec

    frame = pairs(200, seed=11)
    losses = {}
    for name, given in {
        "still": {"learningRate": "0"},
        "one": {"epochCount": "1"},
        "five": {"epochCount": "5"},
    }.items():
        spec = JobSpec.from_request(
            "v2", generation_request("unit", f"s3://{BUCKET}/x.csv", TextGenerationHyperParameters=given)
        )
        engine = TextGenerationEngine(spec=spec, train=frame, validation=None)
        assert engine.hyperparameters == parse_hyperparameters(given)
        trained = next(engine.plans(ctx=None, max_candidates=1)).train()  # type: ignore[arg-type]
        losses[name] = list(trained.details["held_out_loss_per_epoch"].values())
        weights = trained.details["mixture_weights"]
        if name == "still":
            assert all(
                w == pytest.approx({"local": 1 / 3, "copy": 1 / 3, "global": 1 / 3}) for w in weights.values()
            )
    assert losses["five"][-1] < losses["one"][-1] < losses["still"][-1]


# -- served (serving/: endpoints) -------------------------------------------------------------------


def test_an_endpoint_generates_with_the_fitted_model(sagemaker, local_backend, generation_job):
    import json

    import boto3

    from tests.conftest import client_kwargs
    from tests.serving_helpers import create_model, endpoint_config, wait_endpoint

    model = create_model(sagemaker, generation_job["BestCandidate"])
    endpoint = unique("it-textgen-ep")
    sagemaker.create_endpoint(EndpointName=endpoint, EndpointConfigName=endpoint_config(sagemaker, model))
    assert wait_endpoint(sagemaker, endpoint)[0]["EndpointStatus"] == "InService"
    runtime = boto3.client("sagemaker-runtime", **client_kwargs(local_backend.url))

    def invoke(document: dict[str, Any]) -> Any:
        body = runtime.invoke_endpoint(
            EndpointName=endpoint, ContentType="application/json", Body=json.dumps(document).encode()
        )["Body"].read()
        return json.loads(body)

    assert invoke({"inputs": "What colour is a lime?"}) == [{"generated_text": "A lime is green."}]
    sampled = {"do_sample": True, "seed": 3, "temperature": 2.0, "max_new_tokens": 6}
    first = invoke({"inputs": ["French for sun?", "Which colour has a plum?"], "parameters": sampled})
    assert invoke({"inputs": ["French for sun?", "Which colour has a plum?"], "parameters": sampled}) == first
    assert len(first) == 2 and all(len(item["generated_text"].split()) <= 6 for item in first)
