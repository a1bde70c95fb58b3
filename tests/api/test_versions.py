"""Session versions (API.md, "Session versions"): version and ETag in every answer, If-Match -> 412."""
from __future__ import annotations

API = "/api/v1"


def _new(client) -> dict:
    response = client.post(f"{API}/sessions", json={"preset": "worked-example"})
    assert response.status_code == 201 and response.headers["ETag"] == '"0"'
    return response.json()


def test_every_change_is_one_version_and_the_etag_says_it(client):
    doc = _new(client)
    sid = doc["id"]
    assert doc["version"] == 0
    answers = [
        client.post(f"{API}/sessions/{sid}/step"),
        client.post(f"{API}/sessions/{sid}/step", json={"count": 5}),  # a step with a count is one change
        client.post(f"{API}/sessions/{sid}/back"),
        client.post(f"{API}/sessions/{sid}/train", json={"iterations": 3}),
        client.patch(f"{API}/sessions/{sid}", json={"optimizer": {"learning_rate": 0.1}}),
        client.post(f"{API}/sessions/{sid}/reset"),
    ]
    assert [a.json()["version"] for a in answers] == [1, 2, 3, 4, 5, 6]
    assert [a.headers["ETag"] for a in answers] == ['"1"', '"2"', '"3"', '"4"', '"5"', '"6"']
    read = client.get(f"{API}/sessions/{sid}", params={"view": "compact"})
    assert read.json()["version"] == 6 and read.headers["ETag"] == '"6"'
    refused = client.post(f"{API}/sessions/{sid}/back")  # nothing to undo after a reset: no change
    assert refused.status_code == 409 and client.get(f"{API}/sessions/{sid}").json()["version"] == 6


def test_a_stale_if_match_is_412_and_changes_nothing(client):
    sid = _new(client)["id"]
    fresh = client.post(f"{API}/sessions/{sid}/step", headers={"If-Match": '"0"'})
    assert fresh.status_code == 200 and fresh.json()["version"] == 1
    before = client.get(f"{API}/sessions/{sid}").json()
    for call in (
        lambda h: client.post(f"{API}/sessions/{sid}/step", headers=h),
        lambda h: client.post(f"{API}/sessions/{sid}/back", headers=h),
        lambda h: client.post(f"{API}/sessions/{sid}/train", json={"iterations": 2}, headers=h),
        lambda h: client.post(f"{API}/sessions/{sid}/reset", headers=h),
        lambda h: client.patch(f"{API}/sessions/{sid}", json={"optimizer": {"learning_rate": 0.3}}, headers=h),
        lambda h: client.delete(f"{API}/sessions/{sid}", headers=h),
    ):
        stale = call({"If-Match": '"0"'})
        assert stale.status_code == 412, stale.text
        assert "version 1" in stale.json()["detail"] and stale.headers["ETag"] == '"1"'
    assert client.get(f"{API}/sessions/{sid}").json() == before
    # the current tag (weak or strong, or one of a list, or *) is accepted
    assert client.post(f"{API}/sessions/{sid}/step", headers={"If-Match": 'W/"1"'}).json()["version"] == 2
    assert client.post(f"{API}/sessions/{sid}/step", headers={"If-Match": '"7", "2"'}).json()["version"] == 3
    assert client.post(f"{API}/sessions/{sid}/step", headers={"If-Match": "*"}).json()["version"] == 4
    assert client.post(f"{API}/sessions/{sid}/step", headers={"If-Match": "garbage"}).status_code == 412
    assert client.delete(f"{API}/sessions/{sid}", headers={"If-Match": '"4"'}).status_code == 204


def test_412_is_in_the_openapi_document(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path, method in [("/api/v1/sessions/{session_id}/step", "post"), ("/api/v1/sessions/{session_id}", "patch"),
                         ("/api/v1/sessions/{session_id}/train", "post"), ("/api/v1/sessions/{session_id}/back", "post"),
                         ("/api/v1/sessions/{session_id}/reset", "post"), ("/api/v1/sessions/{session_id}", "delete")]:
        operation = paths[path][method]
        assert "412" in operation["responses"], (path, method)
        assert any(p["name"].lower() == "if-match" and p["in"] == "header" for p in operation["parameters"])
    assert "ETag" in paths["/api/v1/sessions/{session_id}"]["get"]["responses"]["200"]["headers"]
