"""Text generation ("LLM fine-tuning") candidates: one small n-gram model fitted on the pairs.

Autopilot fine-tunes the chosen base model (Falcon, Llama 2, Mistral, ...) on ``input`` -> ``output``
pairs. Locally there is no LLM: the candidate is the word-level model of engines/ngram.py, fitted on
the same pairs with the job's hyperparameters, and reported with the metrics Autopilot reports for
fine-tuned models (TrainingLoss, ValidationLoss, Perplexity, ROUGE). Autopilot's data rules are kept:
exactly the two columns, the base model's row limit, and failure when over 60 % of the rows exceed its
context length. Words stand in for the base model's tokens.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from automl_local.base_models import BASE_MODELS, MAX_TRUNCATED_SHARE, parse_hyperparameters
from automl_local.engines.base import CandidatePlan, Context, EngineDataError, TrainedModel
from automl_local.engines.ngram import (
    COMPONENTS,
    NgramTextGenerator,
    bucket_name,
    detokenize,
    fit_weights,
    tokenize,
)
from automl_local.engines.rouge import rouge_scores
from automl_local.engines.tabular import DEFAULT_VALIDATION_FRACTION, SEED
from automl_local.spec import TEXT_GENERATION_METRIC, JobSpec

COLUMNS = ("input", "output")
MIN_ROWS = 10
MAX_TRAINING_WORDS = 2_000_000  # completion words the trigram counts hold (a few hundred MB in Python)
TUNING_FRACTION = 0.2  # training pairs held out to fit the mixture weights
MAX_ROUGE_ROWS = 200  # validation pairs generated for ROUGE (generation is the slow part)
MAX_ROUGE_TOKENS = 256


class TextGenerationEngine:
    container_kind = "textgen"
    training_status = "TrainingModels"
    problem_type = None
    default_max_candidates = 1
    metric = TEXT_GENERATION_METRIC

    def __init__(self, *, spec: JobSpec, train: pd.DataFrame, validation: pd.DataFrame | None) -> None:
        self.spec = spec
        self.base = BASE_MODELS[spec.base_model or ""]
        self.hyperparameters = parse_hyperparameters(spec.hyperparameters)
        for channel, frame in (("training", train), ("validation", validation)):
            if frame is not None and sorted(map(str, frame.columns)) != sorted(COLUMNS):
                raise EngineDataError(
                    f"The {channel} data has the columns {[str(c) for c in frame.columns]!r}; text "
                    "generation data has exactly two columns, 'input' (the prompt) and 'output' (the "
                    "expected answer)."
                )
        rows = len(train) + (0 if validation is None else len(validation))
        if rows > self.base.row_limit:
            raise EngineDataError(
                f"The data has {rows} rows (training and validation together); {self.base.name} is "
                f"fine-tuned on at most {self.base.row_limit}."
            )
        train = self._clean(train, "training")
        if validation is None:
            from sklearn.model_selection import train_test_split

            fraction = spec.validation_fraction or DEFAULT_VALIDATION_FRACTION
            train, validation = train_test_split(train, test_size=fraction, random_state=SEED)
        else:
            validation = self._clean(validation, "validation")
        if len(train) < MIN_ROWS:
            raise EngineDataError(
                f"The training data has {len(train)} usable rows; at least {MIN_ROWS} needed."
            )
        self.truncated = 0
        self.prompts, self.completions = self._pairs(train)
        self.valid_prompts, self.valid_completions = self._pairs(validation)
        words = sum(map(len, self.completions))
        if words > MAX_TRAINING_WORDS:
            raise EngineDataError(
                f"The training completions hold {words} words; the local backend's small model is fitted "
                f"on at most {MAX_TRAINING_WORDS}."
            )
        if self.truncated > MAX_TRUNCATED_SHARE * rows:
            raise EngineDataError(
                f"{self.truncated} of {rows} rows have an input or output longer than {self.base.name}'s "
                f"context of {self.base.context_tokens} tokens (more than {MAX_TRUNCATED_SHARE:.0%}): "
                "shorten them."
            )

    @staticmethod
    def _clean(frame: pd.DataFrame, channel: str) -> pd.DataFrame:
        kept = frame[frame["input"].notna() & frame["output"].notna()]
        kept = kept.astype({"input": str, "output": str})
        if kept.empty:
            raise EngineDataError(f"The {channel} data has no row with both an input and an output.")
        return kept.reset_index(drop=True)

    def _pairs(self, frame: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
        """Prompts and tokenised completions, each cut to the base model's context (counted)."""
        limit = self.base.context_tokens
        prompts, completions = [], []
        for prompt, completion in zip(frame["input"], frame["output"], strict=True):
            prompt_tokens, completion_tokens = tokenize(prompt), tokenize(completion)
            if len(prompt_tokens) > limit or len(completion_tokens) > limit:
                self.truncated += 1
                prompt = detokenize(prompt_tokens[:limit]) if len(prompt_tokens) > limit else prompt
            prompts.append(prompt)
            completions.append(completion_tokens[:limit])
        return prompts, completions

    def analysis(self) -> dict[str, Any]:
        return {
            "problem_type": "TextGeneration",
            "base_model": self.base.name,
            "local_model": "word n-gram mixture (Kneser-Ney + nearest-prompt completions + copy), not an LLM",
            "training_rows": len(self.prompts),
            "validation_rows": len(self.valid_prompts),
            "mean_words_per_input": float(np.mean([len(tokenize(p)) for p in self.prompts])),
            "mean_words_per_output": float(np.mean([len(c) for c in self.completions])),
            "rows_truncated_to_context": self.truncated,
            "hyperparameters": self.hyperparameters,
        }

    def definitions(self) -> list[dict[str, Any]]:
        return [{"base_model": self.base.name, "hyperparameters": self.hyperparameters}]

    def feature_engineering(self) -> bool:
        return False

    def _model(self, prompts: list[str], completions: list[list[str]]) -> NgramTextGenerator:
        return NgramTextGenerator(
            prompts=prompts,
            completions=completions,
            base_model=self.base.name,
            context_tokens=self.base.context_tokens,
        )

    def _train(self) -> TrainedModel:
        started = time.monotonic()
        order = np.random.default_rng(SEED).permutation(len(self.prompts))
        held = max(1, round(TUNING_FRACTION * len(order)))
        tune, fit = sorted(order[:held]), sorted(order[held:])
        tuning_model = self._model([self.prompts[i] for i in fit], [self.completions[i] for i in fit])
        tune_prompts = [self.prompts[i] for i in tune]
        components = [
            tuning_model.components(prompt, self.completions[i], neighbour)
            for prompt, i, neighbour in zip(
                tune_prompts, tune, tuning_model.neighbours(tune_prompts), strict=True
            )
        ]
        weights, epoch_losses = fit_weights(components, self.hyperparameters, seed=SEED)
        model = self._model(self.prompts, self.completions)
        model.weights = weights
        training_loss = model.log_loss(self.prompts, self.completions)
        validation_loss = model.log_loss(self.valid_prompts, self.valid_completions)
        rows = min(len(self.valid_prompts), MAX_ROUGE_ROWS)
        longest = max((len(c) for c in self.valid_completions[:rows]), default=1)
        generated = model.generate(
            self.valid_prompts[:rows], {"max_new_tokens": min(MAX_ROUGE_TOKENS, longest + 8)}
        )
        references = [detokenize(c) for c in self.valid_completions[:rows]]
        metrics = {
            "TrainingLoss": training_loss,
            "ValidationLoss": validation_loss,
            "Perplexity": math.exp(min(validation_loss, 700.0)),
            **rouge_scores(generated, references),
        }
        return TrainedModel(
            model=model,
            metrics=metrics,
            objective=validation_loss,
            details={
                "train_seconds": round(time.monotonic() - started, 3),
                "vocabulary": len(model.vocabulary),
                "rouge_rows": rows,
                "mixture_weights": {
                    bucket_name(b): dict(zip(COMPONENTS, map(float, w), strict=True))
                    for b, w in enumerate(weights)
                },
                "held_out_loss_per_epoch": {str(e + 1): loss for e, loss in enumerate(epoch_losses)},
            },
        )

    def plans(self, ctx: Context, max_candidates: int) -> Iterator[CandidatePlan]:
        yield CandidatePlan(
            algorithm="ngram",
            label=self.base.name.lower(),
            hyperparameters={k: str(v) for k, v in self.hyperparameters.items()},
            train=self._train,
        )
