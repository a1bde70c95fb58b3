"""A CSV file -> a dataset: Python's csv module, a header row, numeric inputs, numeric or text targets.

Quoted fields, CRLF line ends, a UTF-8 byte order mark and `,` or `;` as the delimiter are all
read. Every bad file is a CsvError naming the line of the file (the header is line 1), the
column by its name and what was found there. The row and column limits are checked row by row
while reading (the byte limit is the caller's, while it receives the body).
"""
from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

import numpy as np

from app.i18n import _
from app.sessions.datasets import Dataset, make_dataset

MAX_ROWS = 10_000
MAX_COLUMNS = 1024
MAX_BYTES = 16 * 1024 * 1024
PREVIEW_ROWS = 5
NAME_SHOWN = 40  # characters of a column name or a cell quoted in a message


class CsvError(ValueError):
    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


def _quoted(text: str) -> str:
    return repr(text if len(text) <= NAME_SHOWN else text[:NAME_SHOWN] + "…")


def _name(text: str) -> str:
    return text if len(text) <= NAME_SHOWN else text[:NAME_SHOWN] + "…"


@dataclass
class Table:
    """Every column of the file: a column is numbers or text labels, as its first row says."""

    names: list[str]
    values: np.ndarray  # (rows, columns) float64; NaN in text columns
    labels: dict[int, list[str]]  # the cells of each text column
    lines: list[int]  # the line of the file each row is on
    first_rows: list[list[str]]  # the first rows as written, for a preview
    delimiter: str

    @property
    def rows(self) -> int:
        return len(self.lines)

    def kind(self, column: int) -> str:
        return "text" if column in self.labels else "number"


def decode(body: bytes) -> str:
    """UTF-8 text without its byte order mark; CsvError names the line of a byte that isn't UTF-8."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        line = body.count(b"\n", 0, error.start) + 1
        raise CsvError(
            _("line {line}: byte 0x{byte:02x} is not UTF-8 text: save the file as UTF-8 (CSV UTF-8 in a spreadsheet)").format(
                line=line, byte=body[error.start]
            ),
            line,
        ) from None
    return text[1:] if text.startswith("\ufeff") else text


def _delimiter(text: str) -> str:
    """`;` when the header has more of them than commas (a spreadsheet set to a decimal comma)."""
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def _number(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def _error(line: int, name: str, what: str) -> CsvError:
    return CsvError(_("line {line}, column {name}: {what}").format(line=line, name=_name(name), what=what), line)


def _check_cell(line: int, name: str, cell: str, text_column: bool) -> None:
    """Raises the message for a cell that does not fit its column (a number column, or labels)."""
    cell = cell.strip()
    value = _number(cell)
    if cell == "":
        raise _error(line, name, _("the cell is empty: every cell needs a value"))
    if text_column:
        if value is not None:
            raise _error(line, name, _("{cell} is a number, but this column holds text labels: use labels throughout").format(cell=_quoted(cell)))
        return
    if value is None:
        raise _error(line, name, _("{cell} is not a number").format(cell=_quoted(cell)))
    if not math.isfinite(value):
        raise _error(line, name, _("{cell} is not a finite number").format(cell=_quoted(cell)))


def _header(reader) -> tuple[list[str], int]:
    header = next(reader, None)
    while header is not None and not any(cell.strip() for cell in header):
        header = next(reader, None)
    if header is None:
        raise CsvError(_("line 1: the file is empty: the first row names the columns, the rows below hold the values"), 1)
    line = reader.line_num
    names = [cell.strip() for cell in header]
    if len(names) > MAX_COLUMNS:
        raise CsvError(_("line {line}: {n} columns; the limit is {limit}").format(line=line, n=f"{len(names):,}", limit=f"{MAX_COLUMNS:,}"), line)
    seen: set[str] = set()
    for index, name in enumerate(names, start=1):
        if not name:
            raise CsvError(_("line {line}, column {index}: the column has no name: the first row names every column").format(line=line, index=index), line)
        if name in seen:
            raise CsvError(_("line {line}, column {name}: two columns have this name: give each column its own").format(line=line, name=_name(name)), line)
        seen.add(name)
    return names, line


CHUNK_ROWS = 1024  # rows converted to an array at once: the finiteness check runs per chunk


def _finite_chunk(chunk: list[list[float]], rows: list[list[str]], lines: list[int], numeric: list[int], names: list[str]) -> np.ndarray:
    """The chunk's numbers as an array; the first non-finite one is refused with its line, its
    column and the cell as written (rows: the chunk's cells, lines: the chunk's lines)."""
    block = np.array(chunk, dtype=np.float64).reshape(len(chunk), len(numeric))  # (rows, numeric columns)
    finite = np.isfinite(block)
    if not finite.all():
        r, c = np.argwhere(~finite)[0]
        cell = rows[r][numeric[c]].strip()
        raise _error(lines[r], names[numeric[c]], _("{cell} is not a finite number").format(cell=_quoted(cell)))
    return block


def read_table(body: bytes) -> Table:
    """Every column of a CSV file, each cell checked as it is read, the row limit too."""
    text = decode(body)
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        names, header_line = _header(reader)
        width = len(names)
        labels: dict[int, list[str]] = {}
        numeric: list[int] = []
        lines: list[int] = []
        first_rows: list[list[str]] = []
        blocks: list[np.ndarray] = []
        chunk: list[list[float]] = []
        chunk_rows: list[list[str]] = []  # the chunk's cells as written, for a message
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue  # an empty line
            line = reader.line_num
            if len(lines) == MAX_ROWS:
                raise CsvError(_("line {line}: more than {limit} rows: the limit is {limit} rows").format(line=line, limit=f"{MAX_ROWS:,}"), line)
            if len(row) != width:
                raise CsvError(
                    _("line {line}: the header names {m} columns, but this row has {n}: every row needs one value per column").format(line=line, n=len(row), m=width),
                    line,
                )
            if not lines:  # the first row decides each column's kind: numbers, or text labels
                labels = {c: [] for c, cell in enumerate(row) if cell.strip() != "" and _number(cell) is None}
                numeric = [c for c in range(width) if c not in labels]
            try:
                values = list(map(float, row)) if not labels else [float(row[c]) for c in numeric]
            except ValueError:
                for c in numeric:
                    _check_cell(line, names[c], row[c], text_column=False)
                raise
            for c, column in labels.items():
                cell = row[c].strip()
                _check_cell(line, names[c], cell, text_column=True)
                column.append(cell)
            chunk.append(values)
            chunk_rows.append(row)
            lines.append(line)
            if len(first_rows) < PREVIEW_ROWS:
                first_rows.append([cell.strip() for cell in row])
            if len(chunk) == CHUNK_ROWS:
                blocks.append(_finite_chunk(chunk, chunk_rows, lines[-len(chunk):], numeric, names))
                chunk, chunk_rows = [], []
        if chunk:
            blocks.append(_finite_chunk(chunk, chunk_rows, lines[-len(chunk):], numeric, names))
    except csv.Error as error:
        raise CsvError(_("line {line}: the file is not valid CSV ({reason})").format(line=reader.line_num, reason=str(error)), reader.line_num) from None
    if not lines:
        raise CsvError(_("line {line}: the file has a header but no rows of values").format(line=header_line + 1), header_line + 1)
    values = np.full((len(lines), width), np.nan)  # text columns stay NaN
    values[:, numeric] = np.concatenate(blocks)
    return Table(names, values, labels, lines, first_rows, delimiter)


def _label_column(table: Table, column: int) -> tuple[np.ndarray, list[str]]:
    """Text labels -> one-hot columns, one per distinct label in sorted order."""
    cells = table.labels[column]
    classes = sorted(set(cells))
    index = {label: k for k, label in enumerate(classes)}
    one_hot = np.zeros((len(cells), len(classes)))  # (N, classes)
    one_hot[np.arange(len(cells)), [index[c] for c in cells]] = 1.0
    return one_hot, classes


def _column_indices(table: Table, names: list[str], what: str) -> list[int]:
    positions = {name: index for index, name in enumerate(table.names)}
    indices = []
    for name in names:
        if name not in positions:
            raise CsvError(
                _("{what}: there is no column {name}; the columns are {names}").format(
                    what=what, name=_quoted(name), names=", ".join(_name(n) for n in table.names[:20])
                )
            )
        indices.append(positions[name])
    return indices


def dataset_from_table(table: Table, inputs: list[str] | None = None, targets: list[str] | None = None) -> Dataset:
    """The dataset of the chosen columns (default: the last column is the target, every other an input)."""
    target_columns = _column_indices(table, targets, "targets") if targets else [len(table.names) - 1]
    if inputs:
        input_columns = _column_indices(table, inputs, "inputs")
    else:
        input_columns = [c for c in range(len(table.names)) if c not in target_columns]
    both = [table.names[c] for c in input_columns if c in target_columns]
    if both:
        raise CsvError(_("column {name} is given as an input and as a target: choose one").format(name=_quoted(both[0])))
    if not input_columns:
        raise CsvError(_("no input columns: the file needs at least one column besides the target"))
    for c in input_columns:
        if c in table.labels:
            raise _error(table.lines[0], table.names[c], _("{cell} is not a number: an input column holds numbers (text labels can only be a target)").format(
                cell=_quoted(table.labels[c][0])))
    classes = None
    text_targets = [c for c in target_columns if c in table.labels]
    if text_targets and len(target_columns) > 1:
        raise _error(table.lines[0], table.names[text_targets[0]], _("{cell} is text: text labels need a single target column").format(
            cell=_quoted(table.labels[text_targets[0]][0])))
    if text_targets:
        y, classes = _label_column(table, text_targets[0])
    else:
        y = table.values[:, target_columns]  # (N, k)
    x = table.values[:, input_columns]  # (N, n)
    return make_dataset(x, y, [table.names[c] for c in input_columns], [table.names[c] for c in target_columns], classes)


def parse_csv(body: bytes, inputs: list[str] | None = None, targets: list[str] | None = None) -> Dataset:
    return dataset_from_table(read_table(body), inputs, targets)


def to_csv(dataset: Dataset) -> str:
    """The dataset as CSV again: its input columns, then its targets (text labels as text)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*dataset.input_names, *dataset.target_names])
    for r in range(dataset.rows):
        inputs = [repr(float(v)) for v in dataset.inputs[r]]
        if dataset.classes is not None:
            targets = [dataset.classes[int(dataset.targets[r].argmax())]]
        else:
            targets = [repr(float(v)) for v in dataset.targets[r]]
        writer.writerow([*inputs, *targets])
    return out.getvalue()
