"""POST/GET /api/v1/datasets: CSV edge cases each with its exact message, content addresses,
sessions on a dataset (config.data names it, export gives the rows), and the size of a compact
step on a 10,000-row session."""
from __future__ import annotations

import numpy as np
import pytest

from tests.api.helpers import API, create, step

CSV = {"content-type": "text/csv"}


def upload(client, content: bytes, **params):
    return client.post(f"{API}/datasets", content=content, headers=CSV, params=params)


def message(response) -> str:
    assert response.status_code == 422, response.text
    return response.json()["detail"][0]["msg"]


def test_a_csv_with_text_labels_becomes_one_hot_columns_in_sorted_order(client):
    body = b"temperature,humidity,weather\r\n21.5,0.4,sun\r\n18,0.9,rain\r\n25,0.2,sun\r\n10,0.8,snow\r\n"
    response = upload(client, body)
    assert response.status_code == 201
    summary = response.json()
    assert summary == {"id": summary["id"], "rows": 4, "inputs": ["temperature", "humidity"], "targets": ["weather"], "classes": ["rain", "snow", "sun"]}
    assert len(summary["id"]) == 64
    again = upload(client, body)
    assert again.status_code == 200 and again.json() == summary  # stored once
    stored = client.get(f"{API}/datasets/{summary['id']}").json()
    assert stored["inputs"] == [[21.5, 0.4], [18.0, 0.9], [25.0, 0.2], [10.0, 0.8]]
    assert stored["targets"] == [[0, 0, 1], [1, 0, 0], [0, 0, 1], [0, 1, 0]]
    assert (stored["input_names"], stored["target_names"], stored["classes"]) == (["temperature", "humidity"], ["weather"], ["rain", "snow", "sun"])
    as_csv = client.get(f"{API}/datasets/{summary['id']}", params={"format": "csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.text.splitlines()[:2] == ["temperature,humidity,weather", "21.5,0.4,sun"]
    assert upload(client, as_csv.content).json()["id"] == summary["id"]  # the CSV reads back to the same content


def test_bom_crlf_quotes_semicolons_and_empty_lines_are_read(client):
    plain = upload(client, b"a,b,y\n1,2,0\n3,4,1\n").json()
    assert upload(client, "\ufeffa,b,y\r\n1,2,0\r\n3,4,1\r\n".encode()).json()["id"] == plain["id"]
    assert upload(client, b'"a","b","y"\n"1",2,"0"\n3,"4",1\n').json()["id"] == plain["id"]
    assert upload(client, b"a;b;y\n1;2;0\n\n3;4;1\n\n").json()["id"] == plain["id"]
    quoted = upload(client, b'"size, cm","say ""hi""",y\n1,2,0\n').json()
    assert quoted["inputs"] == ["size, cm", 'say "hi"']


def test_columns_are_chosen_by_name(client):
    body = b"id,x,y,label\n1,0.5,0.1,0\n2,0.2,0.3,1\n"
    summary = upload(client, body, inputs="x,y", targets="label").json()
    assert summary["inputs"] == ["x", "y"] and summary["targets"] == ["label"] and summary["classes"] is None
    assert upload(client, body, targets="x,y").json()["targets"] == ["x", "y"]
    assert message(upload(client, body, targets="colour")) == "targets: there is no column 'colour'; the columns are id, x, y, label"
    assert message(upload(client, body, inputs="x", targets="x")) == "column 'x' is given as an input and as a target: choose one"


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"t,humidity,y\n1,2,3\n1,2,3\n1,abc,3\n", "line 4, column humidity: 'abc' is not a number"),
        (b"a,b,y\n1,2,0\n3,4\n", "line 3: the header names 3 columns, but this row has 2: every row needs one value per column"),
        (b"a,b,y\n1,2,0\n\xe9,4,1\n", "line 3: byte 0xe9 is not UTF-8 text: save the file as UTF-8 (CSV UTF-8 in a spreadsheet)"),
        (b"a,b,y\n1,2,0\nnan,4,1\n", "line 3, column a: 'nan' is not a finite number"),
        (b"a,b,y\n1,2,0\n3,1e999,1\n", "line 3, column b: '1e999' is not a finite number"),
        (b"a,b,y\n1,2,0\n3,4,inf\n", "line 3, column y: 'inf' is not a finite number"),
        (b"a,b,y\n1,,0\n", "line 2, column b: the cell is empty: every cell needs a value"),
        (b"a,b,y\n1,2,cat\n3,4,7\n", "line 3, column y: '7' is a number, but this column holds text labels: use labels throughout"),
        (b"a,b,y\nx,2,0\n", "line 2, column a: 'x' is not a number: an input column holds numbers (text labels can only be a target)"),
        (b"a,a,y\n1,2,0\n", "line 1, column a: two columns have this name: give each column its own"),
        (b"a,,y\n1,2,0\n", "line 1, column 2: the column has no name: the first row names every column"),
        (b"", "line 1: the file is empty: the first row names the columns, the rows below hold the values"),
        (b"a,b,y\n", "line 2: the file has a header but no rows of values"),
        (b'a,b,y\n1,"2,0\n', "line 2: the file is not valid CSV (unexpected end of data)"),
        (b"a\n1\n", "no input columns: the file needs at least one column besides the target"),
    ],
    ids=["text", "ragged", "not-utf8", "nan", "1e999", "inf-target", "empty-cell", "mixed-labels", "text-input",
         "duplicate", "unnamed", "empty", "header-only", "open-quote", "one-column"],
)
def test_every_bad_file_is_a_422_naming_line_column_and_what_was_found(client, content, expected):
    assert message(upload(client, content)) == expected


def test_the_limits_rows_columns_and_bytes(client):
    rows = b"a,y\n" + b"1,0\n" * 10_001
    assert message(upload(client, rows)) == "line 10002: more than 10,000 rows: the limit is 10,000 rows"
    wide = (",".join(f"c{i}" for i in range(1025)) + "\n" + ",".join("1" for _ in range(1025)) + "\n").encode()
    assert message(upload(client, wide)) == "line 1: 1,025 columns; the limit is 1,024"
    huge = b"a,y\n" + b"1.000000000000000000000,0\n" * (17 * 1024 * 1024 // 26)
    response = upload(client, huge)
    assert response.status_code == 413 and response.json()["detail"] == "The request body is over 16 MiB: send less data."


def test_json_upload_and_bad_json(client):
    summary = client.post(f"{API}/datasets", json={"inputs": [[1, 2], [3, 4]], "targets": [[0], [1]]}).json()
    assert summary["inputs"] == ["x1", "x2"] and summary["targets"] == ["y1"]
    assert upload(client, b"x1,x2,y1\n1,2,0\n3,4,1\n").json()["id"] == summary["id"]  # same rows, same names, same id
    bad = client.post(f"{API}/datasets", json={"inputs": [[1, 2], [3]], "targets": [[0], [1]]})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "inputs", 1]
    other = client.post(f"{API}/datasets", content=b"<xml/>", headers={"content-type": "application/xml"})
    assert other.status_code == 422 and "text/csv or application/json" in other.json()["detail"][0]["msg"]
    assert client.get(f"{API}/datasets/{'0' * 64}").status_code == 404


def test_a_session_on_a_dataset_names_it_and_exports_its_rows(client):
    dataset = upload(client, b"a,b,label\n0,0,no\n0,1,yes\n1,0,yes\n1,1,no\n").json()
    doc = create(client, {"layers": [2, 3, 2], "activations": ["tanh", "softmax"], "loss": "cross_entropy",
                          "data": {"dataset_id": dataset["id"], "test_fraction": 0.25}})
    assert doc["config"]["data"] == {"dataset_id": dataset["id"], "test_fraction": 0.25, "features": None}
    assert len(doc["batch"]["indices"]) == 3
    exported = client.get(f"{API}/sessions/{doc['id']}/export").json()
    assert exported["data"] == {"inputs": [[0, 0], [0, 1], [1, 0], [1, 1]], "targets": [[1, 0], [0, 1], [0, 1], [1, 0]],
                                "test_fraction": 0.25, "features": None}
    mismatch = client.post(f"{API}/sessions", json={"layers": [2, 1], "activations": "sigmoid", "loss": "mse", "data": {"dataset_id": dataset["id"]}})
    assert mismatch.status_code == 422 and mismatch.json()["detail"][0]["loc"] == ["body", "layers", 1]


def test_compact_steps_on_a_10000_row_session_stay_small(client):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(10_000, 2))
    lines = ["x1,x2,label"] + [f"{float(a)!r},{float(b)!r},{'in' if a * a + b * b < 1 else 'out'}" for a, b in x]
    dataset = upload(client, "\n".join(lines).encode()).json()
    assert dataset["rows"] == 10_000 and dataset["classes"] == ["in", "out"]
    doc = create(client, {"layers": [2, 8, 2], "activations": ["tanh", "softmax"], "loss": "cross_entropy", "batch_size": 100,
                          "data": {"dataset_id": dataset["id"], "test_fraction": 0.2}}, view="compact")
    for _ in range(6):
        response = client.post(f"{API}/sessions/{doc['id']}/step", params={"view": "compact"})
        assert response.status_code == 200 and len(response.content) < 5 * 1024, len(response.content)
