"""Your own data on the pages: POST /datasets/preview (a CSV -> its first rows, the column types
found, the columns chosen, the network sized from them) and /s/{id}/data (the session's rows)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from app.body import read_limited
from app.deps import SessionsDep
from app.i18n import _
from app.lab.rendering import SERVICE_ERRORS, render
from app.lab.stage import error_message
from app.sessions.csv_import import MAX_BYTES, CsvError, Table, dataset_from_table, read_table
from app.sessions.datasets import Dataset, default_names
from app.ui.forms import FormDep
from app.ui.numbers import fmt

router = APIRouter(include_in_schema=False)

ROLES = ("input", "target", "ignore")
HIDDEN_UNITS = 8  # the hidden layer a suggested network starts with
TABLE_ROWS = 500  # rows the data page lists (the CSV download has them all)


@dataclass
class ColumnChoice:
    name: str
    kind: str  # number | text
    role: str  # input | target | ignore


@dataclass
class UploadPreview:
    columns: list[ColumnChoice] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    row_count: int = 0
    error: str = ""
    dataset_id: str = ""
    classes: list[str] | None = None
    layers: str = ""  # the network sized from the columns: "n_in, 8, n_out"
    output_activation: str = ""
    loss: str = ""


def _names(text: str | None) -> list[str]:
    return [name for name in (text or "").split(",") if name]


def _roles(table: Table, form: dict) -> dict[str, str]:
    """The columns' roles: as the form chose them, else the last column the target and every
    other number column an input (a text column elsewhere, like an id, is left out)."""
    targets, inputs = _names(form.get("targets")), _names(form.get("inputs"))
    if not targets and not inputs:
        last = table.names[-1]
        return {name: "target" if name == last else ("ignore" if table.kind(c) == "text" else "input")
                for c, name in enumerate(table.names)}
    return {name: "target" if name in targets else ("input" if name in inputs else "ignore") for name in table.names}


def _suggestion(preview: UploadPreview, dataset: Dataset) -> None:
    """Layer 0 from the inputs, the output layer, its activation and loss from the targets."""
    n_in, n_out = dataset.inputs.shape[1], dataset.targets.shape[1]
    preview.layers = f"{n_in}, {HIDDEN_UNITS}, {n_out}"
    zero_one = n_out == 1 and bool(np.isin(dataset.targets, (0.0, 1.0)).all())
    if dataset.classes is not None and n_out > 1:
        preview.output_activation, preview.loss = "softmax", "cross_entropy"
    elif zero_one:
        preview.output_activation, preview.loss = "sigmoid", "bce"
    else:
        preview.output_activation, preview.loss = "linear", "mse"


def build_preview(body: bytes, form: dict, store) -> UploadPreview:
    preview = UploadPreview()
    try:
        table = read_table(body)
    except CsvError as error:
        preview.error = error.message
        return preview
    roles = _roles(table, form)
    preview.columns = [ColumnChoice(name, table.kind(c), roles[name]) for c, name in enumerate(table.names)]
    preview.rows, preview.row_count = table.first_rows, table.rows
    inputs = [name for name in table.names if roles[name] == "input"]
    targets = [name for name in table.names if roles[name] == "target"]
    if not targets:
        preview.error = _("Choose a target column: the values the network learns to predict.")
        return preview
    if not inputs:
        preview.error = _("Choose at least one input column.")
        return preview
    try:
        dataset = dataset_from_table(table, inputs, targets)
    except CsvError as error:
        preview.error = error.message
        return preview
    store(dataset)
    preview.dataset_id, preview.classes = dataset.id, dataset.classes
    _suggestion(preview, dataset)
    return preview


@router.post("/datasets/preview", name="preview_dataset")
async def preview_dataset(request: Request, service: SessionsDep, form: FormDep):
    """The CSV the page sends (the file as the body, text/csv): the preview fragment."""
    body = await read_limited(request, MAX_BYTES)
    if body is None:
        preview = UploadPreview(error=_("The file is over {n} MiB: use a smaller file.").format(n=MAX_BYTES // 2**20))
    else:
        preview = await run_in_threadpool(build_preview, body, form, service.upload_dataset)
    return render(request, "lab/partials/upload_preview.html", {"preview": preview, "roles": ROLES})


@dataclass
class DataTable:
    input_names: list[str]
    target_names: list[str]
    rows: list[tuple[int, list[str], list[str], bool]]  # (row, inputs, targets, held out)
    row_count: int
    test_count: int
    features: list[str] | None
    dataset_id: str | None
    cut: bool = False  # more rows than TABLE_ROWS: only the first are listed


def data_table(data, dataset: Dataset | None, config: dict) -> DataTable:
    raw, targets = data.raw_inputs, data.targets
    held = np.zeros(raw.shape[0], dtype=bool)
    held[data.test_rows] = True
    classes = dataset.classes if dataset is not None else None
    input_names = dataset.input_names if dataset is not None else default_names("x", raw.shape[1])
    target_names = dataset.target_names if dataset is not None else default_names("y", targets.shape[1])
    rows = []
    for r in range(min(TABLE_ROWS, raw.shape[0])):
        shown_targets = [classes[int(targets[r].argmax())]] if classes else [fmt(float(v), 6) for v in targets[r]]
        rows.append((r, [fmt(float(v), 6) for v in raw[r]], shown_targets, bool(held[r])))
    data_config = config.get("data") or {}
    return DataTable(input_names, target_names, rows, raw.shape[0], int(held.sum()), data_config.get("features"),
                     data_config.get("dataset_id"), raw.shape[0] > TABLE_ROWS)


@router.get("/s/{session_id}/data", name="show_session_data")
def show_session_data(request: Request, session_id: str, service: SessionsDep):
    """The session's dataset as a table: every column by its name, held-out rows marked."""
    try:
        doc = service.get(session_id, view="compact", history=0)
        data = service.session_data(session_id)
    except SERVICE_ERRORS as error:
        return render(request, "lab/missing.html", {"messages": [error_message(error)]}, 404)
    dataset_id = (doc["config"].get("data") or {}).get("dataset_id")
    dataset = service.get_dataset(dataset_id) if dataset_id else None
    context = {"session_id": session_id, "table": data_table(data, dataset, doc["config"])}
    return render(request, "lab/dataset.html", context)
