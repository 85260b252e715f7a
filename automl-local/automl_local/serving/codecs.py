"""What goes into and comes out of a served candidate: request bodies per ContentType, answers per Accept.

One codec per problem type speaks the formats Autopilot's inference containers speak for it; batch
transform and endpoints both go through :class:`Codec` (decode -> run -> encode), so a transform's
output object holds exactly what InvokeEndpoint would answer for the same records.

The model-interface contract (what a model object in a candidate's model.tar.gz must offer; the
engines follow it):

* **Tabular** (binary, multiclass, regression), **TextClassification** and **TimeSeriesForecasting**
  models: ``model.predict(frame: pandas.DataFrame) -> pandas.DataFrame``. The frame has the training
  data's columns by name (target and sample-weight columns left out); CSV cells arrive typed as
  ``pandas.read_csv`` types them (the training data was read so), JSON values as they were sent,
  missing ones as NaN; a model still coerces types itself (as ``TabularModel`` does). A
  classification answer has ``predicted_label`` and may have ``probability``, ``probabilities`` (one
  list per row) and ``labels`` (one list per row). A classifier that also offers
  ``model.predict_raw(frame) -> numpy array (rows x classes)`` and ``model.classes`` (list) gets all
  four response keys computed from them; regression answers ``predicted_label`` only. Time-series
  models get the history (a CSV with a header row) and answer the forecast table.
* **ImageClassification** models: ``model.predict_images(images: list[bytes]) -> pandas.DataFrame``,
  one row per image (the raw bytes of a PNG or JPEG, at most 6 MiB each, checked to start with a PNG
  or JPEG signature; the model decodes them and must bound the decoded size itself), with the columns
  of tabular classification: ``predicted_label``, ``probability``, ``probabilities``, ``labels``.
* **TextGeneration** models: ``model.generate(prompts: list[str], parameters: dict) -> list[str]``,
  one generated text per prompt (without the prompt unless ``return_full_text``), at most
  ``MAX_PROMPTS_PER_CALL`` prompts a call. ``parameters`` holds only keys the JumpStart and TGI
  containers accept; this module has checked ``max_new_tokens`` (int, 1-4096), ``temperature``
  (number > 0), ``top_p`` (0 < number <= 1), ``do_sample`` (bool) and ``seed`` (int >= 0), and
  passes ``top_k``, ``repetition_penalty``, ``no_repeat_ngram_size``, ``stop`` and
  ``return_full_text`` on for the model to check. A ValueError from ``generate`` (a bad parameter, a
  prompt over the context) answers 422, as TGI's input validation does; from ``predict_images``
  (bytes that do not decode) 400.

Response keys come from the last container's ``SAGEMAKER_INFERENCE_OUTPUT`` (a transform job's
``Environment`` overrides it), checked against its ``SAGEMAKER_INFERENCE_SUPPORTED``. Anything a
client sends that a container would refuse raises :class:`ModelFailure` with the HTTP status the
container would answer (400, 406, 415, 422); a model that raises becomes a 500.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from automl_local.errors import show

CSV = "text/csv"
JSON = "application/json"
JSONLINES = "application/jsonlines"
X_IMAGE = "application/x-image"
RESPONSE_KEYS = ("predicted_label", "probability", "probabilities", "labels")
DEFAULT_KEYS = ("predicted_label",)
TEXT_GENERATION_PARAMETERS = ("max_new_tokens", "temperature", "top_p", "do_sample", "seed")
# Also TGI's, checked by the model itself.
MODEL_CHECKED_PARAMETERS = ("top_k", "repetition_penalty", "no_repeat_ngram_size", "stop", "return_full_text")
MAX_PROMPTS_PER_CALL = 256
MAX_NEW_TOKENS = 4096
# What pandas.read_csv reads as missing by default: the same cells are missing at training time.
NA_VALUES = frozenset(
    {
        "",
        "#N/A",
        "#N/A N/A",
        "#NA",
        "-1.#IND",
        "-1.#QNAN",
        "-NaN",
        "-nan",
        "1.#IND",
        "1.#QNAN",
        "<NA>",
        "N/A",
        "NA",
        "NULL",
        "NaN",
        "None",
        "n/a",
        "nan",
        "null",
    }
)
SMALL_BODY = 64 * 1024  # below this the csv module parses faster than pandas (no per-call setup)
_NEEDS_QUOTES = re.compile(r'[",\r\n]')
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"


class ModelFailure(Exception):
    """What the model container answers instead of a prediction: its HTTP status and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Media:
    """A media type without its parameters, lowercased, and the parameters (e.g. header=present)."""

    type: str
    params: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, value: str | None) -> Media | None:
        if not value or not value.strip():
            return None
        kind, *rest = value.split(";")
        params = {}
        for item in rest:
            key, _, val = item.partition("=")
            params[key.strip().lower()] = val.strip().strip('"').lower()
        return cls(kind.strip().lower(), params)


def choose_accept(accept: str | None, offered: Sequence[str], default: str) -> str:
    """The first media type of ``accept`` the container can answer with (``*/*`` or none: ``default``)."""
    if accept is None or not accept.strip():
        return default
    for item in accept.split(","):
        media = Media.parse(item)
        if media is None:
            continue
        if media.type in ("*/*", "*"):
            return default
        if media.type in offered:
            return media.type
        if media.type.endswith("/*"):
            major = media.type[:-1]
            found = [o for o in offered if o.startswith(major)]
            if found:
                return default if default in found else found[0]
    raise ModelFailure(
        406, f"Accept {show(accept, 100)} is not supported; this model answers {', '.join(offered)}."
    )


# -- reading records ----------------------------------------------------------------------------------


def _text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ModelFailure(
            400, f"The request body is not UTF-8 text ({err.reason} at byte {err.start})."
        ) from None


def _json(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as err:
        raise ModelFailure(400, f"Unable to parse {what} as JSON: {show(str(err), 200)}.") from None


def json_lines(body: bytes) -> list[Any]:
    """The JSON value of every non-blank line."""
    lines = [line for line in _text(body).splitlines() if line.strip()]
    return [_json(line, f"line {index + 1}") for index, line in enumerate(lines)]


def json_records(value: Any) -> list[Any]:
    """Records of a JSON body: ``{"instances": [...]}``, a list of records, or one record."""
    if isinstance(value, dict) and isinstance(value.get("instances"), list):
        return list(value["instances"])
    if isinstance(value, list) and value and all(isinstance(item, (list, dict)) for item in value):
        return list(value)
    return [value]


def csv_rows(body: bytes, *, width: int | None = None) -> list[list[str]]:
    """Rows of a CSV body as lists of strings (RFC 4180 quoting); blank lines skipped."""
    try:
        rows = [row for row in csv.reader(io.StringIO(_text(body), newline=""), strict=True) if row]
    except csv.Error as err:
        raise ModelFailure(400, f"Unable to parse the CSV payload: {err}.") from None
    if width is not None:
        for index, row in enumerate(rows):
            if len(row) != width:
                raise ModelFailure(
                    400, f"Row {index + 1} of the CSV payload has {len(row)} values; expected {width}."
                )
    return rows


def _names(columns: Sequence[Any], shown: int = 6) -> str:
    names = ", ".join(str(c)[:40] for c in columns[:shown])
    return names + (f", ... {len(columns) - shown} more" if len(columns) > shown else "")


_TRUE = frozenset({"True", "true", "TRUE"})
_FALSE = frozenset({"False", "false", "FALSE"})


def _typed(values: list[str | None], *, underscores: bool = True) -> Any:
    """One column's cells typed as ``pandas.read_csv`` types a column: int, float, bool or strings.

    The training data was read with ``read_csv``, so a cell means here what it meant there (and the
    model's own coercion is then as cheap as it is for a frame read from a file).
    """
    import numpy as np

    if underscores and any(v is not None and "_" in v for v in values):
        return np.array(values, dtype=object)  # Python reads "1_000" as a number; pandas does not
    first = values[0] if values else None
    if None not in values:
        if first is not None and first.lstrip("+-").isdigit():
            try:
                return np.array(values, dtype=np.int64)
            except (ValueError, OverflowError):
                pass
        if all(v in _TRUE or v in _FALSE for v in values):
            return np.array([v in _TRUE for v in values], dtype=bool)
    try:
        cells = values if None not in values else ["nan" if v is None else v for v in values]
        return np.array(cells, dtype=np.float64)
    except ValueError:
        return np.array(values, dtype=object)


def _na(value: str) -> str | None:
    return None if value in NA_VALUES else value


def _simple_rows(body: bytes) -> list[list[str]]:
    """Rows of a CSV body without quotes: split on newlines and commas (what csv.reader would give)."""
    text = _text(body)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [line.split(",") for line in text.split("\n") if line]


def _csv_frame(body: bytes, columns: list[str], *, header: bool) -> Any:
    """A CSV body as a DataFrame typed as ``pandas.read_csv`` types it (missing cells NaN)."""
    import pandas as pd

    if len(body) < SMALL_BODY:  # parsed here: no per-call setup, so small requests stay fast
        rows = _simple_rows(body) if b'"' not in body else csv_rows(body)
        if header:
            if not rows:
                raise ModelFailure(400, "The CSV payload has no header row.")
            names, rows = rows[0], rows[1:]
        else:
            names = columns
        width = len(names)
        for index, row in enumerate(rows):
            if len(row) != width:
                raise ModelFailure(
                    400,
                    f"Row {index + 1} of the CSV payload has {len(row)} values; expected {width} "
                    f"({_names(names)}).",
                )
        underscores = b"_" in body
        typed = [
            _typed(
                list(column) if NA_VALUES.isdisjoint(column) else [_na(v) for v in column],
                underscores=underscores,
            )
            for column in (zip(*rows, strict=True) if rows else [() for _ in names])
        ]
        if typed and all(column.dtype == typed[0].dtype for column in typed):
            import numpy as np

            # One block: a tenth of the time of a frame built column by column.
            return pd.DataFrame(np.column_stack(typed), columns=names)
        return pd.DataFrame(dict(zip(names, typed, strict=True)), columns=names)
    try:
        frame = pd.read_csv(
            io.BytesIO(body),
            header=0 if header else None,
            skip_blank_lines=True,
            encoding="utf-8",
            low_memory=False,
        )
    except UnicodeDecodeError as err:
        raise ModelFailure(400, f"The request body is not UTF-8 text ({err.reason}).") from None
    except Exception as err:  # pandas raises several types for malformed CSV
        raise ModelFailure(400, f"Unable to parse the CSV payload: {show(str(err), 300)}.") from None
    if not header:
        if frame.shape[1] != len(columns):
            raise ModelFailure(
                400,
                f"The CSV payload has {frame.shape[1]} values per row; expected {len(columns)} "
                f"({_names(columns)}).",
            )
        frame.columns = columns
    return frame


def _records_frame(records: list[Any], columns: list[str] | None) -> Any:
    """JSON records (lists of values in column order, ``{"features": [...]}``, or column -> value)."""
    import pandas as pd

    rows: list[dict[str, Any]] = []
    for index, record in enumerate(records):
        if isinstance(record, dict) and isinstance(record.get("features"), list):
            record = record["features"]
        if isinstance(record, list):
            if columns is None:
                raise ModelFailure(400, _NO_COLUMNS)
            if len(record) != len(columns):
                raise ModelFailure(
                    400, f"Record {index + 1} has {len(record)} values; expected {len(columns)}."
                )
            rows.append(dict(zip(columns, record, strict=True)))
        elif isinstance(record, dict):
            rows.append(record)
        else:
            raise ModelFailure(
                400, f"Record {index + 1} is {type(record).__name__}; expected a list of values or an object."
            )
    if not rows:
        raise ModelFailure(400, "The request holds no records.")
    return pd.DataFrame(rows, columns=columns) if columns else pd.DataFrame(rows)


_NO_COLUMNS = (
    "This candidate's model does not record its input column order (it was trained by an older "
    "automl-local); send CSV with a header row (ContentType 'text/csv;header=present') or JSON "
    "objects of column -> value, or retrain the job."
)


# -- writing answers ----------------------------------------------------------------------------------


def _native(value: Any) -> Any:
    """A JSON-safe Python value (numpy scalars and arrays, NaN -> null)."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, list):
        return [_native(v) for v in value]
    return value


def csv_text(rows: list[list[Any]], header: list[str] | None = None) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def encode_columns(columns: dict[str, list[Any]], keys: Sequence[str], accept: str) -> bytes:
    """Per-record answers with ``keys`` (each a list of one value per record) in the Accept format.

    CSV writes list values as Autopilot does: ``"[0.9, 0.1]"`` and ``"['1', '0']"``.
    """
    values = [columns[key] for key in keys]
    if accept == CSV:
        cells = [
            [
                ""
                if item is None
                else f"{item!r}"
                if key == "labels" and isinstance(item, list)
                else str(item)
                for item in column
            ]
            for key, column in zip(keys, values, strict=True)
        ]
        # csv.writer quotes a cell with a quote, comma or newline, and a row that is one empty cell
        # (written bare it would be an empty line, and a reader would lose the row).
        one_empty = len(cells) == 1 and "" in cells[0]
        if one_empty or any(_NEEDS_QUOTES.search("".join(column)) for column in cells):
            return csv_text([list(row) for row in zip(*cells, strict=True)])
        # Nothing to quote (the usual case): joined directly, several times faster than csv.writer.
        rows = cells[0] if len(cells) == 1 else [",".join(row) for row in zip(*cells, strict=True)]
        return ("\n".join(rows) + "\n").encode() if rows else b""
    records = [dict(zip(keys, row, strict=True)) for row in zip(*values, strict=True)]
    if accept == JSONLINES:
        return "".join(json.dumps(r) + "\n" for r in records).encode()
    return json.dumps({"predictions": records}).encode()


def check_keys(keys: Sequence[str], supported: Sequence[str] | None, *, regression: bool) -> None:
    unknown = [k for k in keys if k not in RESPONSE_KEYS]
    if unknown:
        raise ValueError(
            f"SAGEMAKER_INFERENCE_OUTPUT names {', '.join(unknown)}; the keys are {', '.join(RESPONSE_KEYS)}"
        )
    if regression and list(keys) != ["predicted_label"]:
        raise ValueError("a regression model answers predicted_label only (SAGEMAKER_INFERENCE_OUTPUT)")
    if supported is not None:
        missing = [k for k in keys if k not in supported]
        if missing:
            raise ValueError(
                f"SAGEMAKER_INFERENCE_OUTPUT asks for {', '.join(missing)}, which the container does not "
                f"support (SAGEMAKER_INFERENCE_SUPPORTED: {', '.join(supported)})"
            )


def parse_keys(environment: dict[str, str]) -> tuple[list[str], list[str] | None]:
    """(requested response keys, supported keys or None) from a container's environment."""

    def split(value: str) -> list[str]:
        return [k.strip().lower() for k in value.split(",") if k.strip()]

    keys = split(environment.get("SAGEMAKER_INFERENCE_OUTPUT", "")) or list(DEFAULT_KEYS)
    supported = environment.get("SAGEMAKER_INFERENCE_SUPPORTED")
    return list(dict.fromkeys(keys)), split(supported) if supported is not None else None


# -- codecs ---------------------------------------------------------------------------------------------


class Codec:
    """The formats of one kind of model and how to run it."""

    content_types: tuple[str, ...] = (CSV,)
    accepts: tuple[str, ...] = (CSV, JSON, JSONLINES)
    default_content_type = CSV
    default_accept = CSV

    def takes(self, media: Media) -> bool:
        return media.type in self.content_types

    def decode(self, body: bytes, media: Media) -> Any:
        raise NotImplementedError

    def run(self, model: Any, inputs: Any) -> Any:
        raise NotImplementedError

    def encode(self, outputs: Any, accept: str) -> bytes:
        raise NotImplementedError


class TableCodec(Codec):
    """Tabular and text classification candidates: CSV rows (no header), JSON or JSON Lines records."""

    content_types = (CSV, JSON, JSONLINES)

    def __init__(
        self, *, columns: list[str] | None, keys: list[str], regression: bool, positive_probability: bool
    ) -> None:
        self.columns = columns
        self.keys = keys
        self.regression = regression
        # HPO binary models answer the probability of the positive (second) label; others that of
        # the predicted one (Autopilot's documented difference).
        self.positive_probability = positive_probability

    def decode(self, body: bytes, media: Media) -> Any:
        if not body.strip():
            raise ModelFailure(400, "The request body is empty.")
        if media.type == CSV:
            header = media.params.get("header") == "present"
            if not header and self.columns is None:
                raise ModelFailure(400, _NO_COLUMNS)
            return _csv_frame(body, self.columns or [], header=header)
        if media.type == JSONLINES:
            return _records_frame(json_lines(body), self.columns)
        return _records_frame(json_records(_json(_text(body), "the request body")), self.columns)

    def run(self, model: Any, frame: Any) -> dict[str, list[Any]]:
        import numpy as np

        rows = len(frame)
        classes = getattr(model, "classes", None)
        if not self.regression and classes is not None and hasattr(model, "predict_raw"):
            raw = np.asarray(model.predict_raw(frame), dtype=float)
            if raw.ndim != 2 or raw.shape != (rows, len(classes)):
                raise ModelFailure(500, f"The model answered {raw.shape} probabilities for {rows} rows.")
            best = raw.argmax(axis=1)
            names = [str(c) for c in classes]
            columns: dict[str, list[Any]] = {}
            for key in self.keys:
                if key == "predicted_label":
                    columns[key] = [names[i] for i in best.tolist()]
                elif key == "probability":
                    picked = raw[:, 1] if self.positive_probability and raw.shape[1] == 2 else raw.max(axis=1)
                    columns[key] = picked.tolist()
                elif key == "probabilities":
                    columns[key] = raw.tolist()
                else:
                    columns[key] = [names] * rows
            return columns
        answer = model.predict(frame)
        missing = [k for k in self.keys if k not in answer.columns]
        if missing or len(answer) != rows:
            raise ModelFailure(
                500, f"The model answered columns {list(answer.columns)} for {len(answer)} of {rows} rows."
            )
        return {key: [_native(v) for v in answer[key].tolist()] for key in self.keys}

    def encode(self, outputs: dict[str, list[Any]], accept: str) -> bytes:
        return encode_columns(outputs, self.keys, accept)


class ForecastCodec(Codec):
    """Time-series candidates: the history as CSV with a header row (or JSON records), the forecast back."""

    content_types = (CSV, JSON, JSONLINES)

    def __init__(self, *, required: list[str]) -> None:
        self.required = required

    def decode(self, body: bytes, media: Media) -> Any:
        if not body.strip():
            raise ModelFailure(400, "The request body is empty.")
        if media.type == CSV:
            frame = _csv_frame(body, [], header=True)
        elif media.type == JSONLINES:
            frame = _records_frame(json_lines(body), None)
        else:
            frame = _records_frame(json_records(_json(_text(body), "the request body")), None)
        missing = [c for c in self.required if c not in frame.columns]
        if missing:
            raise ModelFailure(
                400,
                f"The history lacks the column(s) {', '.join(missing)}; a time-series request is a table "
                f"with a header row holding {', '.join(self.required)}.",
            )
        return frame

    def run(self, model: Any, frame: Any) -> Any:
        return model.predict(frame)

    def encode(self, forecast: Any, accept: str) -> bytes:
        table = forecast.copy()
        for column in table.columns:
            if str(table[column].dtype).startswith("datetime"):
                table[column] = table[column].astype(str)
        names = [str(c) for c in table.columns]
        rows = [[_native(v) for v in row] for row in table.itertuples(index=False, name=None)]
        if accept == CSV:
            return csv_text(rows, header=names)
        records = [dict(zip(names, row, strict=True)) for row in rows]
        if accept == JSONLINES:
            return "".join(json.dumps(r) + "\n" for r in records).encode()
        return json.dumps({"predictions": records}).encode()


class ImageCodec(Codec):
    """Image classification candidates: one PNG or JPEG image per request (``image/*``)."""

    content_types = ("image/png", "image/jpeg", "image/jpg", X_IMAGE)
    accepts = (JSON, JSONLINES, CSV)
    default_content_type = X_IMAGE
    default_accept = JSON

    def __init__(self, *, keys: list[str]) -> None:
        self.keys = keys

    def takes(self, media: Media) -> bool:
        return media.type.startswith("image/") or media.type == X_IMAGE

    def decode(self, body: bytes, media: Media) -> Any:
        if not body:
            raise ModelFailure(400, "The request body is empty; send the bytes of one PNG or JPEG image.")
        if not (body.startswith(PNG_SIGNATURE) or body.startswith(JPEG_SIGNATURE)):
            raise ModelFailure(400, "The request body is not a PNG or JPEG image.")
        return [body]

    def run(self, model: Any, images: list[bytes]) -> dict[str, list[Any]]:
        try:
            answer = model.predict_images(images)
        except ValueError as err:  # bytes that do not decode as an image within the limits
            raise ModelFailure(400, f"The image could not be read: {show(str(err), 300)}") from None
        missing = [k for k in self.keys if k not in answer.columns]
        if missing or len(answer) != len(images):
            raise ModelFailure(
                500,
                f"The model answered columns {list(answer.columns)} for {len(answer)} of {len(images)} "
                "images.",
            )
        return {key: [_native(v) for v in answer[key].tolist()] for key in self.keys}

    def encode(self, outputs: dict[str, list[Any]], accept: str) -> bytes:
        return encode_columns(outputs, self.keys, accept)


@dataclass(frozen=True)
class Generation:
    """One text-generation request: its prompts, parameters, and whether ``inputs`` was one string."""

    prompts: list[str]
    parameters: dict[str, Any]
    single: bool


class TextGenerationCodec(Codec):
    """Text generation candidates: ``{"inputs": ..., "parameters": {...}}`` in,
    ``[{"generated_text": ...}]`` out."""

    content_types = (JSON, JSONLINES)
    accepts = (JSON, JSONLINES)
    default_content_type = JSON
    default_accept = JSON

    def decode(self, body: bytes, media: Media) -> list[Generation]:
        if not body.strip():
            raise ModelFailure(400, "The request body is empty.")
        documents = json_lines(body) if media.type == JSONLINES else [_json(_text(body), "the request body")]
        return [self._request(document) for document in documents]

    @staticmethod
    def _request(document: Any) -> Generation:
        if not isinstance(document, dict) or "inputs" not in document:
            raise ModelFailure(
                422,
                "Input validation error: the request must be a JSON object "
                '{"inputs": ..., "parameters": {...}}',
            )
        inputs = document["inputs"]
        single = isinstance(inputs, str)
        prompts = [inputs] if single else inputs
        if not isinstance(prompts, list) or not prompts or not all(isinstance(p, str) for p in prompts):
            raise ModelFailure(
                422, "Input validation error: `inputs` must be a string or a non-empty list of strings"
            )
        unknown = sorted(set(document) - {"inputs", "parameters"})
        if unknown:
            raise ModelFailure(422, f"Input validation error: unknown field(s) {show(unknown, 100)}")
        return Generation(
            prompts=prompts, parameters=check_parameters(document.get("parameters")), single=single
        )

    def run(self, model: Any, requests: list[Generation]) -> list[list[str]]:
        # Consecutive requests with the same parameters go to the model together.
        answers: list[list[str]] = []
        start = 0
        while start < len(requests):
            end = start + 1
            count = len(requests[start].prompts)
            while (
                end < len(requests)
                and requests[end].parameters == requests[start].parameters
                and count + len(requests[end].prompts) <= MAX_PROMPTS_PER_CALL
            ):
                count += len(requests[end].prompts)
                end += 1
            prompts = [p for r in requests[start:end] for p in r.prompts]
            try:
                texts = model.generate(prompts, dict(requests[start].parameters))
            except ValueError as err:  # TGI answers its input validation errors with 422
                raise ModelFailure(422, f"Input validation error: {show(str(err), 300)}") from None
            if (
                not isinstance(texts, list)
                or len(texts) != len(prompts)
                or not all(isinstance(t, str) for t in texts)
            ):
                raise ModelFailure(
                    500, f"The model answered {type(texts).__name__} for {len(prompts)} prompts."
                )
            offset = 0
            for request in requests[start:end]:
                answers.append(texts[offset : offset + len(request.prompts)])
                offset += len(request.prompts)
            start = end
        return answers

    def encode(self, outputs: list[list[str]], accept: str) -> bytes:
        documents = [[{"generated_text": text} for text in texts] for texts in outputs]
        if accept == JSONLINES:
            return "".join(json.dumps(d) + "\n" for d in documents).encode()
        return json.dumps(documents[0] if len(documents) == 1 else documents).encode()


def check_parameters(parameters: Any) -> dict[str, Any]:
    """The generation parameters, checked as TGI checks them (422 ``Input validation error``)."""
    if parameters is None:
        return {}
    if not isinstance(parameters, dict):
        raise ModelFailure(422, "Input validation error: `parameters` must be an object")
    unknown = sorted(set(parameters) - set(TEXT_GENERATION_PARAMETERS) - set(MODEL_CHECKED_PARAMETERS))
    if unknown:
        raise ModelFailure(
            422,
            f"Input validation error: unsupported parameter(s) {show(unknown, 100)}; the local backend "
            f"accepts {', '.join(TEXT_GENERATION_PARAMETERS + MODEL_CHECKED_PARAMETERS)}",
        )

    def number(value: Any) -> bool:
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)

    def integer(value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool)

    checks = {
        "max_new_tokens": (
            lambda v: integer(v) and 1 <= v <= MAX_NEW_TOKENS,
            f"must be an integer from 1 to {MAX_NEW_TOKENS}",
        ),
        "temperature": (lambda v: number(v) and v > 0, "must be strictly positive"),
        "top_p": (lambda v: number(v) and 0 < v <= 1, "must be > 0.0 and <= 1.0"),
        "do_sample": (lambda v: isinstance(v, bool), "must be true or false"),
        "seed": (lambda v: integer(v) and 0 <= v < 2**64, "must be a non-negative integer"),
    }
    for name, value in parameters.items():
        if name not in checks:
            continue  # the model checks it
        valid, rule = checks[name]
        if not valid(value):
            raise ModelFailure(422, f"Input validation error: `{name}` {rule} (got {show(value, 40)})")
    return dict(parameters)


__all__ = [
    "CSV",
    "JSON",
    "JSONLINES",
    "RESPONSE_KEYS",
    "Codec",
    "ForecastCodec",
    "Generation",
    "ImageCodec",
    "Media",
    "ModelFailure",
    "TableCodec",
    "TextGenerationCodec",
    "check_keys",
    "check_parameters",
    "choose_accept",
    "csv_rows",
    "encode_columns",
    "json_lines",
    "json_records",
    "parse_keys",
]
