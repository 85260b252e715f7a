"""Autopilot's text generation base models and fine-tuning hyperparameters, as AWS documents them.

Names, row limits and context lengths: "Dataset file types and input data format" and "Supported
large language models for fine-tuning" in the SageMaker developer guide. The Llama 2 models are the
ones whose licence (Meta's) must be accepted through ``ModelAccessConfig.AcceptEula``. The local
backend fine-tunes none of them: it fits a small n-gram model (engines/generation.py) and keeps these
limits so a job that AWS would refuse is refused here too.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BaseModel:
    name: str  # BaseModelName in the API request
    jumpstart_id: str
    row_limit: int  # rows across all files of both channels
    context_tokens: int  # longer inputs/outputs are truncated; over 60 % truncated rows fail the job
    gated: bool = False  # needs ModelAccessConfig.AcceptEula = true


BASE_MODELS = {
    model.name: model
    for model in (
        BaseModel("Dolly3B", "huggingface-textgeneration-dolly-v2-3b-bf16", 10_000, 1024),
        BaseModel("Dolly7B", "huggingface-textgeneration-dolly-v2-7b-bf16", 10_000, 1024),
        BaseModel("Dolly12B", "huggingface-textgeneration-dolly-v2-12b-bf16", 10_000, 1024),
        BaseModel("Falcon7B", "huggingface-llm-falcon-7b-bf16", 1_000, 1024),
        BaseModel("Falcon7BInstruct", "huggingface-llm-falcon-7b-instruct-bf16", 1_000, 1024),
        BaseModel("Falcon40B", "huggingface-llm-falcon-40b-bf16", 10_000, 1024),
        BaseModel("Falcon40BInstruct", "huggingface-llm-falcon-40b-instruct-bf16", 10_000, 1024),
        BaseModel("FlanT5L", "huggingface-text2text-flan-t5-large", 10_000, 1024),
        BaseModel("FlanT5XL", "huggingface-text2text-flan-t5-xl", 10_000, 1024),
        BaseModel("FlanT5XXL", "huggingface-text2text-flan-t5-xxll", 10_000, 1024),
        BaseModel("Llama2-7B", "meta-textgeneration-llama-2-7b", 10_000, 2048, gated=True),
        BaseModel("Llama2-7BChat", "meta-textgeneration-llama-2-7b-f", 10_000, 2048, gated=True),
        BaseModel("Llama2-13B", "meta-textgeneration-llama-2-13b", 7_000, 2048, gated=True),
        BaseModel("Llama2-13BChat", "meta-textgeneration-llama-2-13b-f", 7_000, 2048, gated=True),
        BaseModel("Mistral7B", "huggingface-llm-mistral-7b", 10_000, 2048),
        BaseModel("Mistral7BInstruct", "huggingface-llm-mistral-7b-instruct", 10_000, 2048),
        BaseModel("MPT7B", "huggingface-textgeneration1-mpt-7b-bf16", 10_000, 1024),
        BaseModel("MPT7BInstruct", "huggingface-textgeneration1-mpt-7b-instruct-bf16", 10_000, 1024),
    )
}
DEFAULT_BASE_MODEL = "Falcon7BInstruct"
MAX_TRUNCATED_SHARE = 0.6


@dataclass(frozen=True)
class HyperParameter:
    name: str
    kind: type  # int or float
    low: float
    high: float
    default: int | float  # the local default (AWS does not document its defaults)


HYPERPARAMETERS = {
    parameter.name: parameter
    for parameter in (
        HyperParameter("epochCount", int, 1, 10, 3),
        HyperParameter("batchSize", int, 1, 64, 8),
        HyperParameter("learningRate", float, 0, 1, 0.5),
        HyperParameter("learningRateWarmupSteps", int, 0, 250, 0),
    )
}


def parse_hyperparameters(given: dict[str, str]) -> dict[str, int | float]:
    """The four documented hyperparameters with defaults filled in; ValueError names a bad one.

    Values are strings in the API ("5", "0.5"); an integer parameter takes digits only.
    """
    resolved: dict[str, int | float] = {}
    for name, parameter in HYPERPARAMETERS.items():
        if name not in given:
            resolved[name] = parameter.default
            continue
        raw = given[name]
        kind = "an integer" if parameter.kind is int else "a number"
        problem = (
            f"Invalid TextGenerationHyperParameters.{name}: {raw!r}. It must be a string holding {kind} "
            f"from {parameter.low:g} to {parameter.high:g}."
        )
        try:
            value: int | float = int(raw) if parameter.kind is int else float(raw)
        except (TypeError, ValueError):
            raise ValueError(problem) from None
        if not parameter.low <= value <= parameter.high or value != value:  # (NaN is out of range)
            raise ValueError(problem)
        resolved[name] = value
    unknown = sorted(set(given) - set(HYPERPARAMETERS))
    if unknown:
        raise ValueError(
            f"Invalid TextGenerationHyperParameters: unknown name(s) {unknown!r}. Allowed: "
            f"{', '.join(HYPERPARAMETERS)}."
        )
    return resolved
