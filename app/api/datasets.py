"""/api/v1/datasets: upload a CSV or JSON dataset once, read it back as JSON or CSV (API.md v1.1)."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field, FiniteFloat, ValidationError

from app.api.responses import ArrayJSONResponse
from app.body import read_limited
from app.api.schemas import ErrorOut, ValidationErrorOut
from app.deps import SessionsDep
from app.i18n import _
from app.middleware import body_too_large_message
from app.sessions.config import MAX_ROWS, MAX_UNITS, pydantic_errors
from app.sessions.csv_import import MAX_BYTES, MAX_COLUMNS, CsvError, parse_csv, to_csv
from app.sessions.datasets import Dataset, make_dataset
from app.sessions.errors import InvalidInput

router = APIRouter(prefix="/api/v1", tags=["datasets"], default_response_class=ArrayJSONResponse)

Row = Annotated[list[FiniteFloat], Field(min_length=1, max_length=MAX_UNITS)]


class DatasetUpload(BaseModel):
    """A dataset as JSON; its columns are named x1..xn and y1..yk."""

    model_config = ConfigDict(extra="forbid")
    inputs: Annotated[list[Row], Field(min_length=1, max_length=MAX_ROWS)]
    targets: Annotated[list[Row], Field(min_length=1, max_length=MAX_ROWS)]


class DatasetSummaryOut(BaseModel):
    id: str = Field(description="sha256 of the canonical float64 arrays and names, hex: the same rows give the same id")
    rows: int
    inputs: list[str] = Field(description="The input columns' names")
    targets: list[str] = Field(description="The target columns' names")
    classes: list[str] | None = Field(description="The labels of a text target column, sorted: one one-hot column each")


class DatasetOut(BaseModel):
    id: str
    rows: int
    inputs: list[list[float]]
    targets: list[list[float]]
    input_names: list[str]
    target_names: list[str]
    classes: list[str] | None


def summary(dataset: Dataset) -> dict:
    return {"id": dataset.id, "rows": dataset.rows, "inputs": dataset.input_names, "targets": dataset.target_names, "classes": dataset.classes}


def csv_invalid(error: CsvError) -> InvalidInput:
    return InvalidInput([{"loc": ["body"], "msg": error.message, "type": "csv_invalid"}])


def _names(text: str | None) -> list[str] | None:
    return [name.strip() for name in text.split(",") if name.strip()] if text else None


def _json_dataset(body: bytes) -> Dataset:
    try:
        upload = DatasetUpload.model_validate_json(body)
    except ValidationError as error:
        raise InvalidInput(pydantic_errors(error)) from None
    for field, rows in (("inputs", upload.inputs), ("targets", upload.targets)):
        width = len(rows[0])
        for r, row in enumerate(rows):
            if len(row) != width:
                raise InvalidInput.at([field, r], _("{field}[{r}] has {n} values; row 0 has {width}: give every row the same columns").format(
                    field=field, r=r, n=len(row), width=width))
    if len(upload.inputs) != len(upload.targets):
        raise InvalidInput.at(["targets"], _("{x} input rows but {y} target rows: give one target row per input row").format(
            x=len(upload.inputs), y=len(upload.targets)))
    if len(upload.inputs[0]) + len(upload.targets[0]) > MAX_COLUMNS:
        raise InvalidInput.at(["inputs"], _("{n} columns in all; the limit is {limit}").format(
            n=len(upload.inputs[0]) + len(upload.targets[0]), limit=f"{MAX_COLUMNS:,}"))
    return make_dataset(upload.inputs, upload.targets)


UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "description": "A CSV file (UTF-8, the first row names the columns; `,` or `;`) or JSON `{inputs, targets}`; at most 16 MiB.",
        "content": {
            "text/csv": {"schema": {"type": "string"}, "example": "temperature,humidity,rain\n21.5,0.4,no\n18.0,0.9,yes\n"},
            "application/json": {"schema": DatasetUpload.model_json_schema()},
        },
    }
}


@router.post(
    "/datasets",
    status_code=201,
    response_model=None,
    openapi_extra=UPLOAD_BODY,
    responses={
        201: {"model": DatasetSummaryOut, "description": "Stored"},
        200: {"model": DatasetSummaryOut, "description": "That content was stored already"},
        413: {"model": ErrorOut, "description": "The body is over 16 MiB"},
        422: {"model": ValidationErrorOut, "description": "A bad file: the message names the line, the column and what was found"},
    },
)
async def upload_dataset(
    request: Request,
    sessions: SessionsDep,
    targets: Annotated[str | None, Query(description="CSV only: the target column(s), comma-separated (default: the last column)")] = None,
    inputs: Annotated[str | None, Query(description="CSV only: the input columns, comma-separated (default: every other column)")] = None,
) -> ArrayJSONResponse:
    """Stores a dataset once: the same content gives the same id (200 when it was stored already)."""
    body = await read_limited(request, MAX_BYTES)
    if body is None:
        return ArrayJSONResponse({"detail": body_too_large_message(MAX_BYTES)}, status_code=413)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json":
        dataset = await run_in_threadpool(_json_dataset, body)
    elif kind in ("text/csv", "text/plain", "application/csv"):
        try:
            dataset = await run_in_threadpool(parse_csv, body, _names(inputs), _names(targets))
        except CsvError as error:
            raise csv_invalid(error) from None
    else:
        raise InvalidInput.at([], _("send the dataset as text/csv or application/json, not {kind}").format(kind=kind or _("no Content-Type")),
                              "content_type")
    created = await run_in_threadpool(sessions.upload_dataset, dataset)
    return ArrayJSONResponse(summary(dataset), status_code=201 if created else 200)


@router.get(
    "/datasets/{dataset_id}",
    response_model=None,
    responses={
        200: {"model": DatasetOut, "content": {"text/csv": {"schema": {"type": "string"}}}, "description": "The dataset, as JSON or (format=csv) as CSV"},
        404: {"model": ErrorOut, "description": "No such dataset"},
    },
)
def read_dataset(
    dataset_id: str,
    sessions: SessionsDep,
    format: Annotated[Literal["json", "csv"], Query(description="csv: the file again, text labels as text")] = "json",
) -> Response:
    dataset = sessions.get_dataset(dataset_id)
    if dataset is None:
        message = _("No dataset {id}: upload it with POST /api/v1/datasets and use the id it answers.").format(id=dataset_id[:80])
        return ArrayJSONResponse({"detail": message}, status_code=404)
    if format == "csv":
        return Response(to_csv(dataset), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="dataset-{dataset.id[:12]}.csv"'})
    return ArrayJSONResponse({
        "id": dataset.id, "rows": dataset.rows, "inputs": dataset.inputs, "targets": dataset.targets,
        "input_names": dataset.input_names, "target_names": dataset.target_names, "classes": dataset.classes,
    })
