"""A small word-level language model for prompt -> completion pairs: what TextGeneration jobs train.

It is honestly small: no neural network, no pretrained weights. The probability of the next word of a
completion mixes three distributions, each conditioned on the two words before it:

- ``global``: an interpolated Kneser-Ney trigram model of every training completion;
- ``local``: a Witten-Bell trigram model of the completions of the training prompts most similar to
  this prompt (cosine of TF-IDF x IDF word vectors), the nearest weighing most;
- ``copy``: the words of the prompt itself (completions often repeat them), half of its mass on the
  word that follows the previous word's place in the prompt, so a copied span keeps its order.

The mixture weights depend on how similar the nearest training prompt is (three levels) and on how
much of the neighbours' completions their own prompts contain (two levels: "does this kind of prompt
get echoed?"), six buckets in all, and are fitted
by mini-batch EM on held-out training pairs (:func:`fit_weights`), driven by Autopilot's fine-tuning
hyperparameters: ``epochCount`` passes, ``batchSize`` pairs per step, ``learningRate`` as the step size
towards each batch's EM estimate, ``learningRateWarmupSteps`` ramping it up.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

TOKEN = re.compile(r"\w+|[^\w\s]")
BOS, EOS, UNK = "<s>", "</s>", "<unk>"
DISCOUNT = 0.75
NEIGHBOURS = 8
MAX_VOCABULARY = 50_000
NEIGHBOUR_TEMPERATURE = 0.1
NEIGHBOUR_CHUNK = 256  # prompts per similarity block (256 x training rows floats)
SIMILARITY_EDGES = (0.3, 0.7)  # similarity of the nearest training prompt: < 0.3, 0.3-0.7, >= 0.7
ECHO_EDGE = 0.5  # share of the neighbours' completion words found in their own prompts
BUCKETS = (len(SIMILARITY_EDGES) + 1) * 2
COMPONENTS = ("local", "copy", "global")
MIN_GLOBAL_WEIGHT = 1e-3  # keeps every word's probability above zero
NO_SPACE_BEFORE = frozenset(".,!?;:%)]}'\"")
NO_SPACE_AFTER = frozenset("([{$#")

# generate() parameters: (type, low, high, default); the names TGI and JumpStart containers take.
GENERATION_PARAMETERS: dict[str, tuple[type, float, float, Any]] = {
    "max_new_tokens": (int, 1, 4096, 64),
    "temperature": (float, 1e-12, 1e6, 1.0),  # any positive value, as TGI (tiny: near greedy)
    "top_p": (float, 1e-12, 1.0, 1.0),
    "top_k": (int, 0, 100_000, 0),
    "repetition_penalty": (float, 1e-3, 100.0, 1.0),
    "no_repeat_ngram_size": (int, 0, 10, 3),
}
FLAG_PARAMETERS = ("do_sample", "return_full_text")
IGNORED_PARAMETERS = ("details", "decoder_input_details", "watermark", "truncate", "best_of")
MAX_STOP_SEQUENCES = 8
MAX_PROMPTS = 1000


def tokenize(text: str) -> list[str]:
    return TOKEN.findall(text)


def detokenize(tokens: Iterable[str]) -> str:
    out: list[str] = []
    for token in tokens:
        if out and token not in NO_SPACE_BEFORE and out[-1] not in NO_SPACE_AFTER:
            out.append(" ")
        out.append(token)
    return "".join(out)


def bucket_of(similarity: float, echo: float) -> int:
    return 2 * sum(similarity >= edge for edge in SIMILARITY_EDGES) + int(echo >= ECHO_EDGE)


def bucket_name(bucket: int) -> str:
    low, high = ((0.0, *SIMILARITY_EDGES), (*SIMILARITY_EDGES, 1.0))
    level = bucket // 2
    echo = "echoed" if bucket % 2 else "not echoed"
    return f"nearest prompt similarity {low[level]:g}-{high[level]:g}, {echo}"


class KneserNey:
    """Interpolated Kneser-Ney trigram model (absolute discount 0.75) over a fixed vocabulary."""

    def __init__(self, sequences: Sequence[Sequence[str]], vocabulary: dict[str, int]) -> None:
        self.vocabulary = vocabulary
        size = len(vocabulary)
        self.tri: dict[tuple[int, int], Counter[int]] = defaultdict(Counter)
        bigram_types: dict[int, set[int]] = defaultdict(set)  # for continuation counts
        for sequence in sequences:
            ids = self.ids([BOS, BOS, *sequence, EOS])
            for u, v, w in zip(ids, ids[1:], ids[2:], strict=False):
                self.tri[(u, v)][w] += 1
        # N1+(. v w): distinct u before (v, w); N1+(. w): distinct v before w.
        self.bi: dict[int, Counter[int]] = defaultdict(Counter)
        for (_, v), following in self.tri.items():
            for w in following:
                self.bi[v][w] += 1
        for v, following in self.bi.items():
            for w in following:
                bigram_types[w].add(v)
        continuation = np.zeros(size)
        for w, before in bigram_types.items():
            continuation[w] = len(before)
        total = continuation.sum()
        kept = np.maximum(continuation - DISCOUNT, 0.0) / total
        self.unigram = kept + (1.0 - kept.sum()) / size  # the discounted mass spread uniformly
        self.tri_totals = {h: (sum(c.values()), len(c)) for h, c in self.tri.items()}
        self.bi_totals = {v: (sum(c.values()), len(c)) for v, c in self.bi.items()}

    def ids(self, tokens: Iterable[str]) -> list[int]:
        unknown = self.vocabulary[UNK]
        return [self.vocabulary.get(t, unknown) for t in tokens]

    def probability(self, w: int, u: int, v: int) -> float:
        p = float(self.unigram[w])
        if v in self.bi:
            count, types = self.bi_totals[v]
            p = max(self.bi[v].get(w, 0) - DISCOUNT, 0.0) / count + DISCOUNT * types / count * p
        if (u, v) in self.tri:
            count, types = self.tri_totals[(u, v)]
            p = max(self.tri[(u, v)].get(w, 0) - DISCOUNT, 0.0) / count + DISCOUNT * types / count * p
        return p

    def distribution(self, u: int, v: int) -> np.ndarray:
        p = self.unigram.copy()
        levels: list[tuple[Counter[int], tuple[int, int]]] = []
        if v in self.bi:
            levels.append((self.bi[v], self.bi_totals[v]))
        if (u, v) in self.tri:
            levels.append((self.tri[(u, v)], self.tri_totals[(u, v)]))
        for following, (count, types) in levels:
            p *= DISCOUNT * types / count
            for w, c in following.items():
                p[w] += max(c - DISCOUNT, 0.0) / count
        return p


class LocalModel:
    """Witten-Bell trigram -> bigram -> unigram model of a few weighted completions (sparse)."""

    def __init__(self, sequences: Sequence[Sequence[int]], weights: Sequence[float], eos: int) -> None:
        self.uni: dict[int, float] = defaultdict(float)
        self.bi: dict[int, dict[int, float]] = defaultdict(lambda: defaultdict(float))
        self.tri: dict[tuple[int, int], dict[int, float]] = defaultdict(lambda: defaultdict(float))
        for sequence, weight in zip(sequences, weights, strict=True):
            if weight <= 0:
                continue
            ids = [-1, -1, *sequence, eos]  # -1: start of completion
            for u, v, w in zip(ids, ids[1:], ids[2:], strict=False):
                self.uni[w] += weight
                self.bi[v][w] += weight
                self.tri[(u, v)][w] += weight
        self.total = sum(self.uni.values())

    def _levels(self, u: int, v: int) -> list[dict[int, float]]:
        return [c for c in (self.bi.get(v), self.tri.get((u, v))) if c]

    def probability(self, w: int, u: int, v: int) -> float:
        if not self.total:
            return 0.0
        p = self.uni.get(w, 0.0) / self.total
        for counts in self._levels(u, v):
            total, types = sum(counts.values()), len(counts)
            p = (counts.get(w, 0.0) + types * p) / (total + types)
        return p

    def distribution(self, u: int, v: int) -> dict[int, float]:
        if not self.total:
            return {}
        p = {w: c / self.total for w, c in self.uni.items()}
        for counts in self._levels(u, v):
            total, types = sum(counts.values()), len(counts)
            p = {w: (counts.get(w, 0.0) + types * q) / (total + types) for w, q in p.items()}
        return p


class CopyModel:
    """A distribution over the words of one prompt, given the word generated before."""

    def __init__(self, prompt_tokens: Sequence[str]) -> None:
        self.length = max(len(prompt_tokens), 1)
        self.counts = Counter(prompt_tokens)
        self.successors: dict[str, Counter[str]] = defaultdict(Counter)
        for before, after in itertools.pairwise(prompt_tokens):
            self.successors[before][after] += 1

    def distribution(self, previous: str | None) -> dict[str, float]:
        spread = {word: count / self.length for word, count in self.counts.items()}
        following = self.successors.get(previous) if previous is not None else None
        if not following:
            return spread
        total = sum(following.values())
        return {word: 0.5 * q + 0.5 * following.get(word, 0) / total for word, q in spread.items()}


class NgramTextGenerator:
    """The trained model of a TextGeneration candidate: :meth:`generate` answers prompts."""

    def __init__(
        self,
        *,
        prompts: Sequence[str],
        completions: Sequence[Sequence[str]],
        base_model: str,
        context_tokens: int,
    ) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        words = Counter(t for c in completions for t in c)
        # Each generated word costs a pass over the vocabulary: the rarest words beyond the cap are <unk>.
        kept = sorted(w for w, _ in words.most_common(MAX_VOCABULARY))
        self.vocabulary = {token: i for i, token in enumerate([EOS, UNK, BOS, *kept])}
        self.tokens = list(self.vocabulary)
        self.global_model = KneserNey(completions, self.vocabulary)
        self.completions = [self.global_model.ids(c) for c in completions]
        self.vectorizer = TfidfVectorizer(sublinear_tf=True, token_pattern=r"\w+")
        self.prompt_matrix = self._embed(self.vectorizer.fit_transform(list(prompts)))
        # Per training pair: the share of its completion's words that its prompt holds.
        self.echo = np.asarray(
            [
                sum(t in set(tokenize(p)) for t in c) / len(c) if c else 0.0
                for p, c in zip(prompts, completions, strict=True)
            ]
        )
        self.weights = np.full((BUCKETS, len(COMPONENTS)), 1.0 / len(COMPONENTS))
        self.base_model = base_model
        self.context_tokens = context_tokens

    # -- conditioning on a prompt ---------------------------------------------------------------------
    def _embed(self, tfidf: Any) -> Any:
        """TF-IDF rows weighted by IDF once more: the rare words (what is asked about) decide similarity,
        not the phrasing many prompts share (measured: with plain TF-IDF, 'What colour is a kiwi?' found
        'What colour is a pear?' before 'Which colour has a kiwi?')."""
        from scipy.sparse import diags
        from sklearn.preprocessing import normalize

        return normalize(tfidf @ diags(self.vectorizer.idf_))

    def neighbours(self, prompts: Sequence[str]) -> list[tuple[Any, Any]]:
        """(indices, similarities) of the nearest training prompts of each prompt."""
        k = min(NEIGHBOURS, self.prompt_matrix.shape[0])
        found = []
        for start in range(0, len(prompts), NEIGHBOUR_CHUNK):  # bounded dense block per chunk
            chunk = self._embed(self.vectorizer.transform(list(prompts[start : start + NEIGHBOUR_CHUNK])))
            for row in (chunk @ self.prompt_matrix.T).toarray():
                top = np.argpartition(-row, k - 1)[:k]
                top = top[np.argsort(-row[top])]
                found.append((top, np.clip(row[top], 0.0, None)))
        return found

    def _context(
        self, prompt_tokens: Sequence[str], neighbour: tuple[Any, Any]
    ) -> tuple[LocalModel, CopyModel, int]:
        indices, similarities = neighbour
        best = float(similarities.max()) if len(similarities) else 0.0
        # Softmax-like weights, 1 for the nearest: a prompt asking the same thing outweighs many that
        # share only its phrasing.
        closeness = np.where(similarities > 0, np.exp((similarities - best) / NEIGHBOUR_TEMPERATURE), 0.0)
        local = LocalModel([self.completions[i] for i in indices], list(closeness), self.vocabulary[EOS])
        total = float(similarities.sum())
        echo = float(self.echo[indices] @ similarities) / total if total > 0 else 0.0
        return local, CopyModel(prompt_tokens), bucket_of(best, echo)

    def components(
        self, prompt: str, completion: Sequence[str], neighbour: tuple[Any, Any]
    ) -> tuple[np.ndarray, int]:
        """Per word of ``completion`` (and its end), the probability under each component; and the bucket."""
        prompt_tokens = tokenize(prompt)
        local, copy, bucket = self._context(prompt_tokens, neighbour)
        bos, eos = self.vocabulary[BOS], self.vocabulary[EOS]
        ids = [bos, bos, *self.global_model.ids(completion), eos]
        words = [*completion, EOS]
        rows = []
        for index, ((u, v, w), word) in enumerate(
            zip(zip(ids, ids[1:], ids[2:], strict=False), words, strict=True)
        ):
            local_u = -1 if u == bos else u
            local_v = -1 if v == bos else v
            rows.append(
                (
                    local.probability(w, local_u, local_v) if word in self.vocabulary else 0.0,
                    copy.distribution(words[index - 1] if index else None).get(word, 0.0),
                    self.global_model.probability(w, u, v),
                )
            )
        return np.asarray(rows, dtype=float).reshape(-1, len(COMPONENTS)), bucket

    def log_loss(self, prompts: Sequence[str], completions: Sequence[Sequence[str]]) -> float:
        """Mean cross-entropy (nats per word, end of completion included) of completions given prompts."""
        total, count = 0.0, 0
        for prompt, completion, neighbour in zip(prompts, completions, self.neighbours(prompts), strict=True):
            parts, bucket = self.components(prompt, completion, neighbour)
            p = parts @ self.weights[bucket]
            total -= float(np.log(np.maximum(p, 1e-300)).sum())
            count += len(p)
        return total / max(count, 1)

    # -- generation ---------------------------------------------------------------------------------
    def generate(self, prompts: list[str], parameters: dict[str, Any] | None = None) -> list[str]:
        """Completions of ``prompts``; greedy unless ``do_sample``, reproducible when ``seed`` is given.

        Parameters (all optional): max_new_tokens, temperature, top_p, top_k, do_sample, seed,
        repetition_penalty, no_repeat_ngram_size, stop (strings), return_full_text. ValueError names a
        bad one.
        """
        settings = check_parameters(parameters or {})
        if len(prompts) > MAX_PROMPTS:
            raise ValueError(f"{len(prompts)} prompts in one call; the model takes up to {MAX_PROMPTS}.")
        for index, prompt in enumerate(prompts):
            if not isinstance(prompt, str):
                raise ValueError(f"prompt {index} is not a string")
            if len(tokenize(prompt)) > self.context_tokens:
                raise ValueError(
                    f"prompt {index} has {len(tokenize(prompt))} words; {self.base_model}'s context holds "
                    f"{self.context_tokens}."
                )
        found = self.neighbours(prompts) if prompts else []
        outputs = []
        for index, (prompt, neighbour) in enumerate(zip(prompts, found, strict=True)):
            seed = settings["seed"]
            rng = np.random.default_rng(None if seed is None else [seed, index])
            text = detokenize(self._generate_one(prompt, neighbour, settings, rng))
            for stop in settings["stop"]:
                if stop in text:
                    text = text[: text.index(stop)]
            outputs.append(f"{prompt}{text}" if settings["return_full_text"] else text)
        return outputs

    def _generate_one(
        self, prompt: str, neighbour: tuple[Any, Any], settings: dict[str, Any], rng: np.random.Generator
    ) -> list[str]:
        prompt_tokens = tokenize(prompt)
        local, copy, bucket = self._context(prompt_tokens, neighbour)
        weight_local, weight_copy, weight_global = self.weights[bucket]
        extra = sorted(t for t in copy.counts if t not in self.vocabulary)  # words the model never saw
        names = self.tokens + extra
        lookup = {**self.vocabulary, **{t: len(self.tokens) + i for i, t in enumerate(extra)}}
        banned_ids = [self.vocabulary[t] for t in (BOS, UNK)]
        bos, eos = self.vocabulary[BOS], self.vocabulary[EOS]
        generated: list[int] = []
        u, v = bos, bos
        n = settings["no_repeat_ngram_size"]
        followers: dict[tuple[int, ...], set[int]] = defaultdict(set)  # (n-1)-gram -> words seen after it
        for _ in range(settings["max_new_tokens"]):
            p = np.zeros(len(names))
            p[: len(self.tokens)] = weight_global * self.global_model.distribution(u, v)
            for w, q in local.distribution(-1 if u == bos else u, -1 if v == bos else v).items():
                p[w] += weight_local * q
            for word, q in copy.distribution(names[generated[-1]] if generated else None).items():
                p[lookup[word]] += weight_copy * q
            p[banned_ids] = 0.0
            if settings["repetition_penalty"] != 1.0 and generated:
                seen = list(set(generated))
                p[seen] /= settings["repetition_penalty"]
            if n:  # no n-gram twice, as Hugging Face's no_repeat_ngram_size
                p[list(followers.get(tuple(generated[len(generated) - n + 1 :]) if n > 1 else (), ()))] = 0.0
            if p.sum() <= 0:
                break
            w = _choose(p, settings, rng)
            if w == eos:
                break
            generated.append(w)
            if n and len(generated) >= n:
                followers[tuple(generated[len(generated) - n : -1])].add(w)
            u, v = v, (w if w < len(self.tokens) else self.vocabulary[UNK])
        return [names[w] for w in generated]

    def predict(self, frame: Any) -> Any:
        """A frame with an ``input`` column -> a frame with ``generated_text`` (greedy, defaults)."""
        import pandas as pd

        if "input" not in frame.columns:
            raise KeyError("a text generation model predicts a frame with an 'input' column of prompts")
        prompts = frame["input"].fillna("").astype(str).tolist()
        return pd.DataFrame({"generated_text": self.generate(prompts, {})})


def _choose(p: np.ndarray, settings: dict[str, Any], rng: np.random.Generator) -> int:
    if not settings["do_sample"]:
        return int(p.argmax())
    logits = np.log(np.maximum(p, 1e-300)) / settings["temperature"]
    q = np.exp(logits - logits.max())
    q[p <= 0] = 0.0
    order = np.argsort(-q)
    if settings["top_k"]:
        q[order[settings["top_k"] :]] = 0.0
    q /= q.sum()
    if settings["top_p"] < 1.0:
        cumulative = np.cumsum(q[order])
        cut = int(np.searchsorted(cumulative, settings["top_p"])) + 1  # smallest set reaching top_p
        q[order[cut:]] = 0.0
        q /= q.sum()
    return int(rng.choice(len(q), p=q))


def check_parameters(parameters: dict[str, Any]) -> dict[str, Any]:
    """Generation parameters with defaults; ValueError names the first bad one and what is allowed."""
    if not isinstance(parameters, dict):
        raise ValueError("parameters must be a JSON object")
    settings: dict[str, Any] = {}
    for name, (kind, low, high, default) in GENERATION_PARAMETERS.items():
        value = parameters.get(name, default)
        if value is None:
            value = default
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if kind is int:
            ok = ok and float(value).is_integer()
        if not ok or not low <= value <= high:
            what = "an integer" if kind is int else "a number"
            raise ValueError(
                f"parameter {name}={value!r} is invalid: {what} from {low:g} to {high:g} is allowed"
            )
        settings[name] = kind(value)
    for name in FLAG_PARAMETERS:
        value = parameters.get(name, False)
        if not isinstance(value, bool):
            raise ValueError(f"parameter {name}={value!r} is invalid: true or false is allowed")
        settings[name] = value
    seed = parameters.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63):
        raise ValueError(f"parameter seed={seed!r} is invalid: a non-negative integer is allowed")
    settings["seed"] = seed
    stop = parameters.get("stop") or []
    if isinstance(stop, str):
        stop = [stop]
    if (
        not isinstance(stop, list)
        or len(stop) > MAX_STOP_SEQUENCES
        or not all(isinstance(s, str) and 0 < len(s) <= 256 for s in stop)
    ):
        raise ValueError(
            f"parameter stop is invalid: up to {MAX_STOP_SEQUENCES} strings of 1 to 256 characters are "
            "allowed"
        )
    settings["stop"] = stop
    known = {*GENERATION_PARAMETERS, *FLAG_PARAMETERS, *IGNORED_PARAMETERS, "seed", "stop"}
    unknown = sorted(str(k) for k in parameters if k not in known)
    if unknown:
        raise ValueError(f"unknown parameter(s) {unknown[:5]!r}; allowed: {', '.join(sorted(known))}")
    return settings


def fit_weights(
    components: Sequence[tuple[np.ndarray, int]],
    hyperparameters: dict[str, Any],
    *,
    seed: int,
) -> tuple[np.ndarray, list[float]]:
    """Mixture weights per similarity bucket by mini-batch EM over held-out (prompt, completion) pairs.

    ``components``: per pair, the (words x 3) component probabilities and its bucket. Each step takes
    ``batchSize`` pairs, computes the EM estimate of the weights from their words, and moves the weights
    toward it by the step size ``learningRate`` (ramped up linearly over ``learningRateWarmupSteps``),
    for ``epochCount`` shuffled passes. Returns the weights and the held-out loss after each epoch.
    """
    rng = np.random.default_rng(seed)
    weights = np.full((BUCKETS, len(COMPONENTS)), 1.0 / len(COMPONENTS))
    batch = int(hyperparameters["batchSize"])
    rate = float(hyperparameters["learningRate"])
    warmup = int(hyperparameters["learningRateWarmupSteps"])
    losses: list[float] = []
    step = 0
    for _ in range(int(hyperparameters["epochCount"])):
        order = rng.permutation(len(components))
        for start in range(0, len(order), batch):
            sums = np.zeros_like(weights)
            counts = np.zeros(len(weights))
            for index in order[start : start + batch]:
                parts, bucket = components[index]
                joint = parts * weights[bucket]
                responsibility = joint / np.maximum(joint.sum(axis=1, keepdims=True), 1e-300)
                sums[bucket] += responsibility.sum(axis=0)
                counts[bucket] += len(parts)
            step += 1
            eta = rate * min(1.0, step / warmup) if warmup else rate
            for bucket in np.flatnonzero(counts):
                estimate = sums[bucket] / counts[bucket]
                weights[bucket] = (1 - eta) * weights[bucket] + eta * estimate
                weights[bucket, 2] = max(weights[bucket, 2], MIN_GLOBAL_WEIGHT)
                weights[bucket] /= weights[bucket].sum()
        losses.append(_mixture_loss(components, weights))
    # A bucket no held-out pair fell in keeps no uniform guess: it takes its nearest fitted neighbour's.
    fitted = sorted({bucket for _, bucket in components})
    for bucket in range(len(weights)):
        if fitted and bucket not in fitted:
            weights[bucket] = weights[min(fitted, key=lambda f: (abs(f - bucket), -f))]
    return weights, losses


def _mixture_loss(components: Sequence[tuple[np.ndarray, int]], weights: np.ndarray) -> float:
    total, count = 0.0, 0
    for parts, bucket in components:
        total -= float(np.log(np.maximum(parts @ weights[bucket], 1e-300)).sum())
        count += len(parts)
    return total / max(count, 1) if count else math.nan
