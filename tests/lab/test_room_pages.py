"""The room pages as HTML: the teacher's panel and cookie, the student page, the join form,
template questions, one-tap answers, reveal, and hostile question texts escaped everywhere."""
from __future__ import annotations

import re

import pytest

from app.rooms.credentials import teacher_cookie

HOSTILE = ['<script>alert("x")</script>', '"><img src=x onerror=alert(1)>', "{{ 7*7 }}", "&amp; </textarea>"]


def open_room_page(client) -> tuple[str, str, str]:
    """A session opened as a room from its page, as a teacher would: (session id, code, token)."""
    created = client.post("/s", data={"preset": "worked-example"}, follow_redirects=False)
    session_id = created.headers["location"].rsplit("/", 1)[1]
    opened = client.post(f"/s/{session_id}/room", follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == f"/s/{session_id}"
    cookie = opened.headers["set-cookie"]
    code = re.search(r"bplab_teacher_([A-Z0-9]{6})=", cookie).group(1)
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict") and "Path=/" in cookie
    return session_id, code, client.cookies.get(teacher_cookie(code))


def test_the_session_page_offers_to_open_a_room(client):
    created = client.post("/s", data={"preset": "worked-example"}, follow_redirects=False)
    page = client.get(created.headers["location"]).text
    assert 'id="btn-open-room"' in page and "/room" in page


def test_the_teacher_panel_shows_code_url_qr_count_and_the_controls(client):
    session_id, code, token = open_room_page(client)
    page = client.get(f"/s/{session_id}").text
    assert f'id="room-code-big">{code}<' in page
    assert f"http://testserver/r/{code}" in page
    assert f'src="/r/{code}/qr.svg"' in page
    assert 'id="room-students"' in page and 'id="btn-step"' in page  # everything the teacher could do stays
    assert f'sse-connect="/r/{code}/stream"' in page and "/static/vendor/htmx-ext-sse/sse.js" in page
    assert f"/r/{code}/teach?token={token}" in page  # the teacher link, on the teacher's page only
    assert "Which sign will dL/dw have" in page  # a template question for the next step (forward 1)
    qr = client.get(f"/r/{code}/qr.svg")
    assert qr.headers["content-type"] == "image/svg+xml" and qr.text.startswith("<svg")
    # the teacher's buttons step (the cookie carries the token); anyone else's are refused
    assert 'id="status"' in client.post(f"/s/{session_id}/step").text
    client.cookies.clear()
    refused = client.post(f"/s/{session_id}/step", headers={"HX-Request": "true"})
    assert refused.headers["X-Refused-Status"] == "409" and "only the teacher" in refused.text
    student_view = client.get(f"/s/{session_id}").text
    assert "teach?token" not in student_view and f"/r/{code}/fork" in student_view


def test_the_teacher_link_hands_the_cookie_to_a_second_device(client, app):
    session_id, code, token = open_room_page(client)
    client.cookies.clear()
    assert client.get(f"/r/{code}/teach?token=wrong").status_code == 403
    landing = client.get(f"/r/{code}/teach?token={token}")
    assert landing.status_code == 200 and f'href="/s/{session_id}"' in landing.text
    assert client.cookies.get(teacher_cookie(code)) == token
    assert client.post(f"/s/{session_id}/step").status_code == 200


def test_the_student_page_follows_in_the_students_language(client):
    session_id, code, _token = open_room_page(client)
    client.cookies.clear()
    page = client.get(f"/r/{code.lower()}", headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 200 and "bplab_student=" in page.headers["set-cookie"]
    html = page.text
    assert f'sse-connect="/r/{code}/stream"' in html and 'sse-swap="stage"' in html
    assert "自己探索" in html and 'id="btn-step"' not in html  # fork, but no stepping
    assert 'id="network-panel"' in html and 'id="narration"' in html
    forked = client.post(f"/r/{code}/fork", follow_redirects=False)
    target = forked.headers["location"]
    assert forked.status_code == 303 and target.endswith(f"?room={code}") and session_id not in target
    own = client.get(target, headers={"Accept-Language": "zh-CN"}).text
    assert f'href="/r/{code}"' in own and "回到课堂" in own
    assert client.post(target.split("?")[0] + "/step").status_code == 200  # the fork is the student's own


def test_the_join_form_and_bad_codes(client):
    assert 'action="/r"' in client.get("/").text
    assert client.get("/r?code=ab2cde", follow_redirects=False).headers["location"] == "/r/AB2CDE"
    assert client.get("/r?code=nope").status_code == 422
    missing = client.get("/r/ZZZZZZ")
    assert missing.status_code == 404 and "no open room" in missing.text


def test_questions_from_the_page_answers_and_reveal(client):
    session_id, code, token = open_room_page(client)
    template = re.search(r'name="template" value="([^"]+)"', client.get(f"/s/{session_id}").text).group(1)
    import html as html_module

    asked = client.post(f"/r/{code}/questions", data={"template": html_module.unescape(template)})
    assert asked.status_code == 200 and "Which sign will dL/dw have" in asked.text and "Reveal and step" in asked.text
    question_id = re.search(r'data-question="([^"]+)"', asked.text).group(1)
    teacher_cookies = dict(client.cookies)
    client.cookies.clear()
    student = client.get(f"/r/{code}", headers={"Accept-Language": "zh-CN"})
    assert "dL/dw 的符号" in student.text and 'name="choice" value="1"' in student.text
    assert "room-bars" not in student.text  # no bars before the reveal
    answered = client.post(f"/r/{code}/answer", data={"question": question_id, "choice": "1"})
    assert 'aria-pressed="true"' in answered.text and "room-bars" not in answered.text
    assert "1 student has answered." in answered.text
    for name, value in teacher_cookies.items():
        client.cookies.set(name, value)
    revealed = client.post(f"/r/{code}/questions/{question_id}/reveal", data={"step": "1"})
    assert "room-bars" in revealed.text and "(100%)" in revealed.text
    doc = client.get(f"/api/v1/sessions/{session_id}").json()
    assert doc["last_step"] == {"phase": "forward", "layer": 1}  # "reveal and step" stepped
    client.cookies.clear()
    after = client.get(f"/r/{code}").text
    assert "room-bars" in after and "revealed" in after


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_question_texts_are_escaped_everywhere(client, app, hostile):
    session_id, code, token = open_room_page(client)
    asked = client.post(f"/r/{code}/questions", data={"prompt": hostile, "choices": f"{hostile}\nfine"})
    assert asked.status_code == 200
    api_asked = client.post(f"/api/v1/rooms/{code}/questions", json={"prompt": hostile, "choices": [hostile, "b"]},
                            headers={"Authorization": f"Bearer {token}"}).json()
    assert api_asked["prompt"] == hostile  # JSON carries the text as it is
    pages = [asked.text, client.get(f"/s/{session_id}").text, client.get(f"/r/{code}").text]
    # and the page event stream's bytes, rendered for students and for the teacher
    from app.lab.rooms_render import PageRenderer

    question = app.state.rooms.store.current_question(code)
    renderer = PageRenderer(app.state.sessions)
    pages += [renderer.question(question, teacher=False).decode(), renderer.question(question, teacher=True).decode()]
    for html in pages:
        assert "<script>alert" not in html and "<img src=x" not in html and "</textarea>" not in html.split("room-question")[-1]
        if hostile == "{{ 7*7 }}":  # shown as text, never evaluated as a template
            assert "{{ 7*7 }}" in html.split('id="room-question"')[1]
        else:
            assert hostile not in html
