"""Only watched sessions (a room's: SessionService.watch) run the change guards and are published: the
other sessions' steps never look for a room. Sessions stored before watching existed are
watched, so an upgraded file keeps guarding its rooms' sessions."""
from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from app.sessions.errors import StepRefused, StoreUpgrading
from app.sessions.service import SessionService
from tests.backends import BACKEND, database_url_for
from tests.sessions.helpers import make_service, xor_config


class Refused(StepRefused):
    pass


def watching(service: SessionService) -> tuple[list, list]:
    guarded, published = [], []
    service.change_guards.append(guarded.append)
    service.store.add_listener(lambda session_id, version: published.append((session_id, version)))
    return guarded, published


def test_a_session_is_guarded_and_published_only_once_watched(tmp_path):
    service = make_service(tmp_path / "s.sqlite3")
    guarded, published = watching(service)
    session_id = service.create(xor_config())["id"]
    service.step(session_id, count=2)
    service.train(session_id, 1)
    assert guarded == [] and published == []
    service.watch(session_id)
    service.step(session_id)
    assert guarded == [session_id] and published == [(session_id, 3)]
    other = service.create(xor_config())["id"]
    service.step(other)
    assert guarded == [session_id] and published == [(session_id, 3)]  # the other is not watched
    service.delete(session_id)
    assert guarded == [session_id, session_id] and published[-1] == (session_id, None)


def test_a_guard_refuses_a_watched_sessions_change_and_nothing_changes(tmp_path):
    service = make_service(tmp_path / "s.sqlite3")
    session_id = service.create(xor_config())["id"]
    service.watch(session_id)

    def refuse(_session_id):
        raise Refused("a room's session")

    service.change_guards.append(refuse)
    with pytest.raises(Refused):
        service.step(session_id)
    with pytest.raises(Refused):
        service.delete(session_id)
    assert service.get(session_id)["version"] == 0 and service.get(session_id)["last_step"] is None


def drop_watched_column(path) -> None:
    """The session table as an earlier version left it: no watched column."""
    url = database_url_for(path)
    if url is None:
        with sqlite3.connect(path) as db:
            db.execute("ALTER TABLE session_state DROP COLUMN watched")
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ALTER TABLE session_state DROP COLUMN watched")


def test_sessions_stored_before_watching_are_watched(tmp_path):
    path = tmp_path / "old.sqlite3"
    old = make_service(path)
    old_id = old.create(xor_config())["id"]
    old.store.close()
    drop_watched_column(path)
    service = make_service(path)
    guarded, published = watching(service)
    service.step(old_id)
    new_id = service.create(xor_config())["id"]
    service.step(new_id)
    assert guarded == [old_id] and published == [(old_id, 1)]


def test_watching_waits_for_a_change_in_flight(tmp_path):
    """Marked while held: a change that began unwatched finishes first, every later one is guarded."""
    service = make_service(tmp_path / "s.sqlite3")
    session_id = service.create(xor_config())["id"]
    entered, release = threading.Event(), threading.Event()

    def slow_change(runtime):
        entered.set()
        release.wait(10)
        runtime.step()

    changing = threading.Thread(target=service._change, args=(session_id, slow_change))
    changing.start()
    assert entered.wait(10)
    watcher = threading.Thread(target=service.watch, args=(session_id,))
    watcher.start()
    watcher.join(0.5)
    assert watcher.is_alive()  # queued behind the change in flight
    release.set()
    changing.join(10)
    watcher.join(10)
    assert not watcher.is_alive()
    guarded, _published = watching(service)
    service.step(session_id)
    assert guarded == [session_id]


@pytest.mark.skipif(BACKEND != "postgres", reason="PostgreSQL's ALTER TABLE lock queue: SQLite has none")
def test_an_upgrade_behind_an_older_process_answers_unavailable_and_blocks_nobody(tmp_path, monkeypatch, caplog):
    """The column is added in short waits for the table, each a transaction of its own: behind an
    older process's request the new one answers 503 "unavailable" (so its requests do not hang),
    while every other request, on the table or on the owners', goes through; the requests right
    after a failed upgrade are answered at once; once the older request is done, the upgrade
    goes through."""
    import psycopg

    from app.sessions import postgres_store

    path = tmp_path / "old.sqlite3"
    old = make_service(path)
    old_id, other_id = (old.create(xor_config())["id"] for _ in range(2))
    old.store.close()
    drop_watched_column(path)
    monkeypatch.setattr(postgres_store, "ALTER_TRIES", 8)
    tries = []
    add_watched_column = postgres_store._add_watched_column
    monkeypatch.setattr(postgres_store, "_add_watched_column", lambda conn: tries.append(conn) or add_watched_column(conn))
    url = database_url_for(path)
    with psycopg.connect(url) as older_request, psycopg.connect(url, autocommit=True) as bystander:
        older_request.execute("SELECT version FROM session_state WHERE id = %s FOR UPDATE", (old_id,))
        service = make_service(path)
        outcome = []
        upgrading = threading.Thread(target=lambda: outcome.append(_raised(lambda: service.step(old_id))))
        upgrading.start()
        # another process's requests meanwhile: each waits at most one try's wait, never the whole upgrade
        bystander.execute("SET lock_timeout = 1000")
        served = 0
        while upgrading.is_alive():
            bystander.execute("SELECT version FROM session_state WHERE id = %s", (other_id,))
            bystander.execute("UPDATE session_owners SET stored_bytes = stored_bytes WHERE session_id = %s", (other_id,))
            served += 1
            time.sleep(0.05)
        assert served >= 5 and isinstance(outcome[0], StoreUpgrading) and len(tries) == 1
        assert "upgrade" in str(outcome[0]) and "previous version" in caplog.text
        assert isinstance(_raised(lambda: service.get(other_id)), StoreUpgrading) and len(tries) == 1  # at once
        # the older process's request was not made to wait behind the ALTER either
        assert older_request.execute("SELECT version FROM session_state WHERE id = %s", (old_id,)).fetchone() == (0,)
    monkeypatch.setattr(postgres_store, "UPGRADE_RETRY_AFTER_S", 0.0)
    guarded, published = watching(service)
    service.step(old_id)
    assert guarded == [old_id] and published == [(old_id, 1)] and len(tries) == 2


def _raised(call):
    try:
        call()
    except Exception as error:  # noqa: BLE001 - the test looks at which
        return error
    return None
