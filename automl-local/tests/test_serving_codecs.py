"""Serving without a server: codecs per problem type, DataProcessing's JSONPath subset, list paging.

The image and text-generation codecs are exercised with tiny stand-in models that follow the
model-interface contract of ``automl_local.serving.codecs`` (the real engines are tested end to end).
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from automl_local.errors import ValidationError
from automl_local.serving import codecs, endpoints, transform
from automl_local.serving.codecs import (
    CSV,
    JSON,
    JSONLINES,
    ImageCodec,
    Media,
    ModelFailure,
    TableCodec,
    TextGenerationCodec,
    choose_accept,
)
from automl_local.serving.dataprocessing import (
    DataProcessing,
    PathError,
    apply_path,
    join,
    parse_path,
    request_body,
    split_records,
    write_records,
)
from automl_local.serving.listing import page
from automl_local.shapes import output_shape
from tests.shape_check import strict_problems

pd = pytest.importorskip("pandas")
np = pytest.importorskip("numpy")

COLUMNS = ["tenure", "charges", "contract"]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 16


class Classifier:
    """Stand-in for a tabular classifier: predict_raw + classes, and what it was given."""

    classes = ["no", "yes"]

    def __init__(self) -> None:
        self.seen: list[Any] = []

    def predict_raw(self, frame: Any) -> Any:
        self.seen.append(frame)
        tenure = pd.to_numeric(frame["tenure"], errors="coerce").fillna(0).to_numpy()
        yes = np.where(tenure < 12, 0.8, 0.3)
        return np.column_stack([1 - yes, yes])


class Regressor:
    def predict(self, frame: Any) -> Any:
        return pd.DataFrame({"predicted_label": pd.to_numeric(frame["charges"]) * 2.0})


class ImageModel:
    """Stand-in for an image classifier (the contract: predict_images(list[bytes]) -> DataFrame)."""

    def predict_images(self, images: list[bytes]) -> Any:
        labels = ["png" if image.startswith(b"\x89PNG") else "jpeg" for image in images]
        return pd.DataFrame(
            {
                "predicted_label": labels,
                "probability": [0.9] * len(images),
                "probabilities": [[0.9, 0.1] if label == "png" else [0.1, 0.9] for label in labels],
                "labels": [["png", "jpeg"]] * len(images),
            }
        )


class Generator:
    """Stand-in for a text-generation model (the contract: generate(prompts, parameters) -> list[str])."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[str], dict[str, Any]]] = []

    def generate(self, prompts: list[str], parameters: dict[str, Any]) -> list[str]:
        if not isinstance(parameters.get("top_k", 1), int):
            raise ValueError("parameter top_k is invalid")
        self.calls.append((list(prompts), dict(parameters)))
        return [f"{p[::-1]}|{parameters.get('max_new_tokens', 0)}" for p in prompts]


def table(keys: list[str], *, positive: bool = False) -> TableCodec:
    return TableCodec(columns=COLUMNS, keys=keys, regression=False, positive_probability=positive)


def roundtrip(codec: codecs.Codec, model: Any, body: bytes, content_type: str, accept: str) -> bytes:
    inputs = codec.decode(body, Media.parse(content_type) or Media(codec.default_content_type))
    return codec.encode(codec.run(model, inputs), accept)


# -- tabular ---------------------------------------------------------------------------------------------


def test_csv_rows_become_named_columns_typed_and_missing_as_read_csv_reads_them():
    body = b'5,63.2,monthly\n30,,"two, year"\n40,NA,\n'
    model = Classifier()
    assert roundtrip(table(["predicted_label"]), model, body, CSV, CSV) == b"yes\nno\nno\n"
    frame = model.seen[0]
    expected = pd.read_csv(io.BytesIO(body), header=None, names=COLUMNS)
    assert list(frame.columns) == COLUMNS
    assert frame.dtypes.tolist() == expected.dtypes.tolist()  # int64, float64, object
    assert frame["contract"].iloc[1] == "two, year"
    assert frame.isna().values.tolist() == expected.isna().values.tolist()  # "", "NA": missing


def test_cells_are_typed_per_column_as_read_csv_types_them():
    from automl_local.serving.codecs import _typed

    assert _typed(["1", "2"]).dtype == "int64"
    assert _typed(["1", None]).dtype == "float64"
    assert _typed(["1.5", "1e3"]).tolist() == [1.5, 1000.0]
    assert _typed(["True", "false"]).tolist() == [True, False]
    assert _typed(["02139", "x"]).tolist() == ["02139", "x"]  # a column with text stays text
    assert _typed(["1_000"]).tolist() == ["1_000"]


def test_large_csv_bodies_parse_the_same_way():
    rows = b"".join(b"%d,63.2,monthly\n" % (i % 30) for i in range(5000))
    assert len(rows) > codecs.SMALL_BODY
    model = Classifier()
    answer = roundtrip(table(["predicted_label"]), model, rows, CSV, CSV).decode().splitlines()
    assert len(answer) == 5000 and answer[:2] == ["yes", "yes"] and answer[20] == "no"
    assert model.seen[0]["contract"].iloc[0] == "monthly"
    assert model.seen[0].dtypes.tolist() == ["int64", "float64", "object"]


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        (["predicted_label", "probability"], "yes,0.8\n"),
        (["probabilities", "labels"], "\"[0.19999999999999996, 0.8]\",\"['no', 'yes']\"\n"),
    ],
)
def test_csv_answers_write_lists_as_autopilot_does(keys, expected):
    assert roundtrip(table(keys), Classifier(), b"5,63.2,monthly\n", CSV, CSV).decode() == expected


def test_hpo_binary_probability_is_the_positive_labels():
    """Autopilot: HPO models answer P(positive class); ensembles the predicted label's probability."""
    body = b"40,63.2,monthly\n"
    assert roundtrip(
        table(["predicted_label", "probability"], positive=True), Classifier(), body, CSV, CSV
    ) == (b"no,0.3\n")
    assert roundtrip(table(["predicted_label", "probability"]), Classifier(), body, CSV, CSV) == b"no,0.7\n"


def test_json_and_json_lines_in_and_out():
    codec = table(["predicted_label", "probability"])
    as_json = roundtrip(
        codec, Classifier(), json.dumps({"instances": [[5, 63.2, "monthly"], {"features": [40, 1, "x"]}]}).encode(),
        JSON, JSON,
    )  # fmt: skip
    assert json.loads(as_json) == {
        "predictions": [
            {"predicted_label": "yes", "probability": 0.8},
            {"predicted_label": "no", "probability": 0.7},
        ]
    }
    lines = b'{"tenure": 5, "charges": 1, "contract": "a"}\n\n[40, 2, "b"]\n'
    answer = roundtrip(codec, Classifier(), lines, JSONLINES, JSONLINES).decode().splitlines()
    assert [json.loads(line)["predicted_label"] for line in answer] == ["yes", "no"]
    single = roundtrip(codec, Classifier(), b'[5, 63.2, "monthly"]', JSON, CSV)
    assert single == b"yes,0.8\n"


def test_header_present_csv_reads_columns_by_name():
    codec = TableCodec(columns=None, keys=["predicted_label"], regression=False, positive_probability=False)
    body = b"contract,tenure,charges\nmonthly,5,1\n"
    assert roundtrip(codec, Classifier(), body, "text/csv; header=present", CSV) == b"yes\n"
    with pytest.raises(ModelFailure, match="older automl-local") as err:
        roundtrip(codec, Classifier(), b"5,1,monthly\n", CSV, CSV)
    assert err.value.status == 400


def test_regression_answers_predicted_label():
    codec = TableCodec(columns=COLUMNS, keys=["predicted_label"], regression=True, positive_probability=False)
    assert roundtrip(codec, Regressor(), b"5,2.5,m\n1,4,n\n", CSV, JSONLINES) == (
        b'{"predicted_label": 5.0}\n{"predicted_label": 8.0}\n'
    )


@pytest.mark.parametrize(
    ("body", "content_type", "status", "message"),
    [
        (b"", CSV, 400, "empty"),
        (b"1,2\n", CSV, 400, r"has 2 values; expected 3 \(tenure, charges, contract\)"),
        (b'1,2,"unterminated\n', CSV, 400, "Unable to parse the CSV payload"),
        (b'1,2,"a"b\n', CSV, 400, "Unable to parse the CSV payload"),
        (b"\xff\xfe,1,2\n", CSV, 400, "not UTF-8"),
        (b"{not json", JSON, 400, "Unable to parse"),
        (b"[" * 100_000, JSON, 400, "Unable to parse"),
        (b'"a string"', JSON, 400, "is str"),
        (b"[1, 2]\n", JSONLINES, 400, "has 2 values"),
    ],
)
def test_malformed_requests_are_client_errors(body, content_type, status, message):
    with pytest.raises(ModelFailure, match=message) as err:
        roundtrip(table(["predicted_label"]), Classifier(), body, content_type, CSV)
    assert err.value.status == status


def test_accept_negotiation():
    offered = (CSV, JSON, JSONLINES)
    assert choose_accept(None, offered, CSV) == CSV
    assert choose_accept("*/*", offered, JSON) == JSON
    assert choose_accept("application/xml, application/jsonlines;q=0.9", offered, CSV) == JSONLINES
    assert choose_accept("application/*", offered, CSV) == JSON
    with pytest.raises(ModelFailure) as err:
        choose_accept("application/xml", offered, CSV)
    assert err.value.status == 406


def test_response_keys_come_from_the_container_environment():
    keys, supported = codecs.parse_keys(
        {
            "SAGEMAKER_INFERENCE_OUTPUT": "predicted_label, Probability",
            "SAGEMAKER_INFERENCE_SUPPORTED": "predicted_label,probability",
        }
    )
    assert keys == ["predicted_label", "probability"] and supported == ["predicted_label", "probability"]
    assert codecs.parse_keys({}) == (["predicted_label"], None)
    codecs.check_keys(keys, supported, regression=False)
    with pytest.raises(ValueError, match="does not support"):
        codecs.check_keys(["labels"], supported, regression=False)
    with pytest.raises(ValueError, match="regression"):
        codecs.check_keys(["probability"], None, regression=True)
    with pytest.raises(ValueError, match="the keys are"):
        codecs.check_keys(["score"], None, regression=False)


# -- image and text generation (stand-in models) -----------------------------------------------------------


def test_image_codec_follows_the_contract():
    codec = ImageCodec(keys=["predicted_label", "probabilities", "labels"])
    assert (
        codec.takes(Media("image/png")) and codec.takes(Media("image/jpeg")) and not codec.takes(Media(CSV))
    )
    answer = json.loads(roundtrip(codec, ImageModel(), JPEG, "image/jpeg", JSON))
    assert answer == {
        "predictions": [{"predicted_label": "jpeg", "probabilities": [0.1, 0.9], "labels": ["png", "jpeg"]}]
    }
    assert (
        roundtrip(codec, ImageModel(), PNG, "image/png", CSV) == b"png,\"[0.9, 0.1]\",\"['png', 'jpeg']\"\n"
    )
    for bad in (b"", b"GIF89a not ours"):
        with pytest.raises(ModelFailure) as err:
            roundtrip(codec, ImageModel(), bad, "image/png", JSON)
        assert err.value.status == 400


def test_text_generation_codec_follows_the_contract():
    codec = TextGenerationCodec()
    model = Generator()
    one = roundtrip(
        codec, model, b'{"inputs": "abc", "parameters": {"max_new_tokens": 5, "seed": 1}}', JSON, JSON
    )
    assert json.loads(one) == [{"generated_text": "cba|5"}]
    many = roundtrip(codec, model, b'{"inputs": ["ab", "cd"]}', JSON, JSON)
    assert json.loads(many) == [{"generated_text": "ba|0"}, {"generated_text": "dc|0"}]
    lines = b'{"inputs": "a"}\n{"inputs": "b"}\n{"inputs": "c", "parameters": {"temperature": 0.5}}\n'
    answer = roundtrip(codec, model, lines, JSONLINES, JSONLINES).decode().splitlines()
    assert [json.loads(line) for line in answer] == [
        [{"generated_text": "a|0"}],
        [{"generated_text": "b|0"}],
        [{"generated_text": "c|0"}],
    ]
    # Lines with the same parameters reach the model together.
    assert model.calls[-2:] == [(["a", "b"], {}), (["c"], {"temperature": 0.5})]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"inputs": "x", "parameters": {"temperature": 0}}, "`temperature` must be strictly positive"),
        ({"inputs": "x", "parameters": {"top_p": 1.5}}, "`top_p`"),
        ({"inputs": "x", "parameters": {"max_new_tokens": 0}}, "`max_new_tokens`"),
        ({"inputs": "x", "parameters": {"max_new_tokens": True}}, "`max_new_tokens`"),
        ({"inputs": "x", "parameters": {"do_sample": "yes"}}, "`do_sample`"),
        ({"inputs": "x", "parameters": {"seed": -1}}, "`seed`"),
        ({"inputs": "x", "parameters": {"best_of": 2}}, "unsupported parameter"),
        ({"inputs": "x", "parameters": {"top_k": "many"}}, "top_k"),
        ({"inputs": "x", "stream": True}, "unknown field"),
        ({"inputs": []}, "`inputs`"),
        ({"prompt": "x"}, "JSON object"),
    ],
)
def test_text_generation_parameters_are_checked_as_tgi_does(document, message):
    with pytest.raises(ModelFailure, match=message) as err:
        roundtrip(TextGenerationCodec(), Generator(), json.dumps(document).encode(), JSON, JSON)
    assert err.value.status == 422


def test_a_model_that_breaks_the_contract_is_a_server_error():
    class Broken:
        def generate(self, prompts: list[str], parameters: dict[str, Any]) -> Any:
            return "not a list"

    with pytest.raises(ModelFailure) as err:
        roundtrip(TextGenerationCodec(), Broken(), b'{"inputs": "x"}', JSON, JSON)
    assert err.value.status == 500


# -- DataProcessing ------------------------------------------------------------------------------------------


def test_jsonpath_subset_as_documented():
    row = ["id-1", "5", "63.2", "monthly", "x"]
    assert apply_path(parse_path("$"), row) == row
    assert apply_path(parse_path("$[1:]"), row) == row[1:]
    assert apply_path(parse_path("$[1:3]"), row) == row[1:4]  # the documented slice includes its end
    assert apply_path(parse_path("$[:2]"), row) == row[:3]
    assert apply_path(parse_path("$[0,-1]"), row) == ["id-1", "x"]
    assert apply_path(parse_path("$[0]"), row) == "id-1"
    doc = {"id": 7, "features": [1, 2], "SageMakerOutput": {"label": 1}}
    assert apply_path(parse_path("$.features"), doc) == [1, 2]
    assert apply_path(parse_path("$['id','SageMakerOutput']"), doc) == {
        "id": 7,
        "SageMakerOutput": {"label": 1},
    }
    assert apply_path(parse_path("$.SageMakerOutput.*"), doc) == [1]
    assert apply_path(parse_path("$.features[-1]"), doc) == 2
    assert apply_path(parse_path("$.SageMakerOutput.['label']"), doc) == {"label": 1}


@pytest.mark.parametrize("text", ["features", "$..x", "$[?(@.a)]", "$[a:b]", "$[1", "$.", "$.a b"])
def test_unsupported_paths_are_refused(text):
    with pytest.raises(PathError):
        parse_path(text)


def test_paths_that_miss_are_client_errors():
    for path, value in (("$.id", [1]), ("$[5]", [1, 2]), ("$.missing", {"a": 1})):
        with pytest.raises(ModelFailure) as err:
            apply_path(parse_path(path), value)
        assert err.value.status == 400


def test_join_puts_the_input_first():
    assert join(["a", "1"], ["yes", "0.9"], CSV) == ["a", "1", "yes", "0.9"]
    assert join({"id": 1}, {"predicted_label": "yes"}, JSON) == {
        "id": 1,
        "SageMakerOutput": {"predicted_label": "yes"},
    }
    assert join([1, 2], {"p": 1}, JSONLINES) == {"SageMakerInput": [1, 2], "SageMakerOutput": {"p": 1}}


def test_records_split_and_write_back():
    assert split_records(b'a,"b,c"\n1,2\n', CSV) == [["a", "b,c"], ["1", "2"]]
    assert split_records(b'{"predictions": [{"p": 1}, {"p": 2}]}', JSON) == [{"p": 1}, {"p": 2}]
    assert split_records(b'{"a": 1}\n{"a": 2}\n', JSON) == [{"a": 1}, {"a": 2}]
    assert write_records([["a", "b,c"], "x"], CSV) == b'a,"b,c"\nx\n'
    assert request_body([[1, 2], [3, 4]], JSON) == b"[[1, 2], [3, 4]]"
    assert not DataProcessing.from_request(None).active
    assert DataProcessing.from_request({"JoinSource": "Input"}).active


# -- lists ------------------------------------------------------------------------------------------------------


def test_lists_filter_sort_and_page_with_tokens_tied_to_the_query():
    items = [
        {
            "EndpointName": f"ep-{i}",
            "EndpointStatus": "InService" if i % 2 else "Failed",
            "CreationTime": 100.0 + i,
        }
        for i in range(25)
    ]
    first, token = page(items, {"MaxResults": 10}, name_key="EndpointName", status_key="EndpointStatus")
    assert [i["EndpointName"] for i in first][:2] == ["ep-24", "ep-23"] and token
    second, token2 = page(
        items, {"MaxResults": 10, "NextToken": token}, name_key="EndpointName", status_key="EndpointStatus"
    )
    assert second[0]["EndpointName"] == "ep-14"
    last, none = page(
        items, {"MaxResults": 10, "NextToken": token2}, name_key="EndpointName", status_key="EndpointStatus"
    )
    assert len(last) == 5 and none is None
    found, _ = page(
        items,
        {
            "StatusEquals": "Failed",
            "NameContains": "EP-1",
            "SortBy": "Name",
            "SortOrder": "Ascending",
            "CreationTimeAfter": 110,
        },
        name_key="EndpointName",
        status_key="EndpointStatus",
    )
    assert [i["EndpointName"] for i in found] == ["ep-12", "ep-14", "ep-16", "ep-18"]
    with pytest.raises(ValidationError, match="NextToken"):
        page(
            items,
            {"NextToken": token, "SortBy": "Name"},
            name_key="EndpointName",
            status_key="EndpointStatus",
        )


# -- answers rendered from records ------------------------------------------------------------------------------

SERVED = {
    "ModelName": "m",
    "AutoMLJobName": "j",
    "CandidateName": "c",
    "Containers": [{"Image": "683313688378.dkr.ecr.us-east-1.amazonaws.com/x:1", "ModelDataUrl": "s3://b/k"}],
}


def test_endpoint_answers_in_every_state_fit_the_output_shape():
    variant = {
        "VariantName": "AllTraffic",
        "ModelName": "m",
        "Weight": 1.0,
        "InitialInstanceCount": 1,
        "Served": SERVED,
    }
    serverless = {
        "VariantName": "v2",
        "ModelName": "m",
        "Weight": 0.5,
        "ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 1},
        "Served": SERVED,
    }
    base = {
        "EndpointName": "e",
        "EndpointArn": "arn:aws:sagemaker:us-east-1:123456789012:endpoint/e",
        "EndpointConfigName": "c1",
        "CreationTime": 1.0,
        "LastModifiedTime": 2.0,
        "Variants": [variant, serverless],
    }
    records = [
        {**base, "EndpointStatus": "Creating"},
        {**base, "EndpointStatus": "InService"},
        {**base, "EndpointStatus": "Failed", "FailureReason": "refused"},
        {
            **base,
            "EndpointStatus": "Updating",
            "Pending": {"EndpointConfigName": "c2", "Variants": [variant], "StartTime": 3.0},
        },
    ]
    for record in records:
        answer = endpoints.render(record)
        assert strict_problems(output_shape("DescribeEndpoint"), answer, record["EndpointStatus"]) == []
    assert endpoints.render(records[0])["ProductionVariants"][0]["VariantStatus"][0]["Status"] == "Creating"
    assert endpoints.render(records[3])["PendingDeploymentSummary"]["EndpointConfigName"] == "c2"


def test_transform_answers_fit_the_output_shape():
    record = {
        "TransformJobName": "t",
        "ModelName": "m",
        "TransformInput": {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/in/"}}},
        "TransformOutput": {"S3OutputPath": "s3://b/out/"},
        "TransformResources": {"InstanceType": "ml.m5.large", "InstanceCount": 1},
        "TransformJobArn": "arn:aws:sagemaker:us-east-1:123456789012:transform-job/t",
        "TransformJobStatus": "Failed",
        "FailureReason": "ClientError: x",
        "CreationTime": 1.0,
        "TransformStartTime": 1.5,
        "TransformEndTime": 2.0,
        "Served": SERVED,
        "Tags": [],
    }
    answer = transform.render(record)
    assert strict_problems(output_shape("DescribeTransformJob"), answer, "DescribeTransformJob") == []
    assert answer["DataProcessing"] == {"InputFilter": "$", "OutputFilter": "$", "JoinSource": "None"}
    assert answer["TransformInput"]["SplitType"] == "None" and answer["MaxPayloadInMB"] == 6
    assert "Served" not in answer and "Tags" not in answer


@pytest.mark.parametrize(
    "columns",
    [
        {"predicted_label": ["yes", "no"]},
        {"predicted_label": [None, "no"]},  # one column, an empty cell: csv.writer writes ""
        {"predicted_label": ["a,b", "c"]},
        {"predicted_label": ["", "x"], "probability": [0.9, None]},
        {"predicted_label": ['say "hi"', "x"], "probability": [0.5, 0.25]},
    ],
    ids=["plain", "one-empty-cell", "comma", "two-columns-empty", "quote"],
)
def test_csv_answers_are_what_csv_writer_writes(columns: dict[str, list[Any]]) -> None:
    """The fast path (cells joined directly) answers byte for byte what csv.writer would: no row
    turns into an empty line that a reader would drop."""
    keys = list(columns)
    expected = codecs.csv_text([list(row) for row in zip(*columns.values(), strict=True)])

    assert codecs.encode_columns(columns, keys, "text/csv") == expected
