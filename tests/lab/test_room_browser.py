"""Chromium, two browser contexts: a teacher in English drives a room, a student in Chinese follows.

The student's page moves on each of the teacher's steps, cannot step, answers a question and sees
the bars only after the reveal, forks and comes back to the class.
"""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def watched_context(browser, live_server, locale: str, problems: list[str]):
    context = browser.new_context(base_url=live_server, locale=locale, viewport={"width": 1366, "height": 900},
                                  extra_http_headers={"Accept-Language": locale})
    page = context.new_page()
    page.on("console", lambda msg: problems.append(f"{locale} console {msg.type}: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(f"{locale} page error: {error}"))

    def only_our_server(route):
        if route.request.url.startswith(live_server):
            route.continue_()
        else:
            problems.append(f"request left the server: {route.request.url}")
            route.abort()

    page.route("**/*", only_our_server)
    return context, page


def position(page) -> str:
    return page.locator("#status").get_attribute("data-position")


def test_a_student_follows_the_teacher_live(browser, live_server):
    problems: list[str] = []
    teacher_context, teacher = watched_context(browser, live_server, "en", problems)
    student_context, student = watched_context(browser, live_server, "zh-CN", problems)
    try:
        session_id = teacher.request.post("/api/v1/sessions", data={"preset": "worked-example"}).json()["id"]
        teacher.goto(f"/s/{session_id}")
        teacher.locator("#btn-open-room").click()
        code = teacher.locator("#room-code-big").inner_text()
        assert len(code) == 6
        qr = teacher.locator("img.room-qr")
        for _ in range(50):  # the image loads after the page
            if qr.evaluate("img => img.complete && img.naturalWidth > 0"):
                break
            teacher.wait_for_timeout(100)
        assert qr.evaluate("img => img.naturalWidth") > 100

        student.goto(f"/r/{code}")
        student.locator("#status").wait_for()
        assert student.locator("#room-students").count() == 0  # a student sees no count
        assert "前向" in student.locator("#status").inner_text() or "前向" in student.locator("#narration").inner_text()
        teacher.locator("#room-students strong").filter(has_text="1").wait_for()  # the count is live

        # each of the teacher's steps moves the student's page, in Chinese
        for expected in ("1", "2", "3"):
            teacher.locator("#btn-step").click()
            teacher.locator(f"#status[data-position='{expected}']").wait_for()
            student.locator(f"#status[data-position='{expected}']").wait_for(timeout=10_000)
        assert "损失" in student.locator("#narration").inner_text()
        assert student.locator("#network-panel .unit").count() == teacher.locator("#network-panel .unit").count()

        # the student cannot step: no button, the keys do nothing, the API says 403
        assert student.locator("#btn-step").count() == 0
        student.keyboard.press("ArrowRight")
        refused = student.request.post(f"/api/v1/sessions/{session_id}/step")
        assert refused.status == 403
        assert position(student) == "3"

        # predict, then reveal: the bars reach the student only after the reveal
        teacher.locator(".room-template").first.click()
        student.locator("#room-question .room-choice").first.wait_for(timeout=10_000)
        assert student.locator(".room-bars").count() == 0
        student.locator("#room-question .room-choice").nth(1).click()
        student.locator("#room-question .room-choice.is-mine").wait_for()
        teacher.locator("#room-question .room-answered").filter(has_text="1 student has answered.").wait_for(timeout=10_000)
        assert teacher.locator("#room-question .room-bar-count").nth(1).inner_text().startswith("1")
        assert student.locator(".room-bars").count() == 0
        teacher.get_by_role("button", name="Reveal", exact=True).click()
        student.locator("#room-question .room-bars").wait_for(timeout=10_000)
        assert "已揭晓" in student.locator("#room-question").inner_text()

        # explore on my own, then back to the class
        student.locator("#btn-fork").click()
        student.wait_for_url("**/s/*?room=*")
        student.locator("#btn-step").click()
        student.locator(f"#status[data-position='4']").wait_for()
        assert position(teacher) == "3"  # the class's session did not move
        teacher.locator("#btn-step").click()
        teacher.locator(f"#status[data-position='4']").wait_for()
        teacher.locator("#btn-step").click()
        teacher.locator(f"#status[data-position='5']").wait_for()
        student.locator("#room-back").click()
        student.wait_for_url(f"**/r/{code}")
        assert position(student) == "5"
        teacher.locator("#btn-step").click()
        student.locator(f"#status[data-position='6']").wait_for(timeout=10_000)

        # the end of the room reaches the student
        teacher.locator("#btn-close-room").click()
        teacher.locator("#btn-open-room").wait_for()
        student.locator("#room-closed .message").wait_for(timeout=10_000)
    finally:
        student_context.close()
        teacher_context.close()
    assert not problems, "\n".join(problems)


def test_a_student_page_reconnects_by_itself_after_a_restart(browser, tmp_path):
    """The server goes away and comes back (a restart, a dropped Wi-Fi): the page reconnects on
    its own, and its first event shows the room as it is now, steps taken meanwhile included."""
    import httpx

    from tests.rooms.conftest import Server

    db_path = tmp_path / "sessions.sqlite3"
    server = Server(db_path, None)
    problems: list[str] = []
    context, student = watched_context(browser, server.url, "zh-CN", problems)
    try:
        session = httpx.post(server.url + "/api/v1/sessions", json={"preset": "worked-example"}).json()
        room = httpx.post(server.url + "/api/v1/rooms", json={"session_id": session["id"]}).json()
        student.goto(f"/r/{room['code']}")
        student.locator("#status[data-position='0']").wait_for()
        server.stop()
        student.locator("#room-live.is-offline").wait_for(timeout=15_000)
        server = Server(db_path, None, port=server.port)  # the same address, the same database
        for _ in range(2):
            assert httpx.post(f"{server.url}/api/v1/sessions/{session['id']}/step",
                              headers={"Authorization": f"Bearer {room['teacher_token']}"}).status_code == 200
        student.locator("#status[data-position='2']").wait_for(timeout=20_000)
        student.locator("#room-live:not(.is-offline)").wait_for()
    finally:
        context.close()
        server.stop()
    # while the server was away the browser said so (htmx logs the EventSource error event as
    # "[object Event]"); nothing else may go wrong
    expected = ("[object Event]", "htmx:sseError", "ERR_CONNECTION_REFUSED", "ERR_INCOMPLETE_CHUNKED_ENCODING", "ERR_EMPTY_RESPONSE")
    assert not [p for p in problems if not any(e in p for e in expected)], "\n".join(problems)
