"""Rooms: one teacher and N students on loopback, as a classroom uses them.

Starts its own servers (free ports, a fresh database), opens a room on the xor preset, connects
N students to the pages' event stream (/r/{code}/stream, half in English, half in Chinese: two
renders per change) from one asyncio process, then the teacher steps through the API and each
student records when the event of that version arrives.

- delay: from the moment the teacher's step answer is read to each student's event, p50/p99
  (negative: the event beat the answer, since it leaves on commit, before the answer is sent);
  for 1 worker on SQLite, 2 workers on SQLite, 2 processes on PostgreSQL (teacher on the first,
  students spread over both);
- CPU: the server processes' CPU time (user+system from /proc) per teacher step, for 50, 100
  and 200 students on 1 worker: it should grow with the bytes sent, not with rendering.

    .venv/bin/python bench/bench_room.py [--students 200] [--steps 15] [--postgres URL]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(db: Path, workers: int = 1, database_url: str | None = None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "BPLAB_DB": str(db)}
    env.pop("BPLAB_DATABASE_URL", None)
    if database_url:
        env["BPLAB_DATABASE_URL"] = database_url
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:app", "--port", str(port), "--workers", str(workers), "--loop", "asyncio",
         "--timeout-graceful-shutdown", "1", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(url + "/api/v1/presets", timeout=1)
            return process, url
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("server did not start")


def cpu_seconds(pid: int) -> float:
    """User + system time of a process and its children (uvicorn's workers)."""
    total = 0.0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / TICKS
        except OSError:
            pass
    return total


class Student:
    def __init__(self):
        self.arrivals: dict[int, float] = {}
        self.got = asyncio.Event()
        self.waiting_for = -1
        self.bytes = 0

    async def follow(self, url: str, code: str, language: str, connected: asyncio.Event) -> None:
        host, port = url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write((f"GET /r/{code}/stream HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n"
                      f"Accept-Language: {language}\r\n\r\n").encode())
        await writer.drain()
        tail = b""
        try:
            while True:  # chunks, not lines: the client process must not be what the bench measures
                chunk = await reader.read(1 << 16)
                if not chunk:
                    return
                self.bytes += len(chunk)
                text = tail + chunk
                start = text.find(b"\nid: ")
                while start >= 0:
                    end = text.find(b"\n", start + 5)
                    if end < 0:
                        break
                    version = int(text[start + 5:end])
                    self.arrivals.setdefault(version, time.perf_counter())
                    connected.set()
                    if version >= self.waiting_for:
                        self.got.set()
                    start = text.find(b"\nid: ", end)
                tail = text[-24:]
        finally:
            writer.close()


async def run_room(student_urls: list[str], teacher_url: str, students: int, steps: int, cpu_pids: list[int]) -> dict:
    async with httpx.AsyncClient(timeout=30) as client:
        session = (await client.post(teacher_url + "/api/v1/sessions", json={"preset": "xor"})).json()
        room = (await client.post(teacher_url + "/api/v1/rooms", json={"session_id": session["id"]})).json()
        auth = {"Authorization": f"Bearer {room['teacher_token']}"}
        crowd = [Student() for _ in range(students)]
        connected = [asyncio.Event() for _ in crowd]
        tasks = [asyncio.create_task(s.follow(student_urls[i % len(student_urls)], room["code"], "zh-CN" if i % 2 else "en", c))
                 for i, (s, c) in enumerate(zip(crowd, connected))]
        await asyncio.wait_for(asyncio.gather(*(c.wait() for c in connected)), 120)
        await asyncio.sleep(1.0)  # presence reports and first renders settle
        delays = []
        cpu_before = sum(cpu_seconds(p) for p in cpu_pids)
        bytes_before = sum(s.bytes for s in crowd)
        for _ in range(steps):
            for s in crowd:
                s.got.clear()
            answer = await client.post(f"{teacher_url}/api/v1/sessions/{session['id']}/step?view=compact&history=0", headers=auth)
            answered = time.perf_counter()
            version = answer.json()["version"]
            for s in crowd:
                s.waiting_for = version
                if max(s.arrivals, default=-1) >= version:
                    s.got.set()
            await asyncio.wait_for(asyncio.gather(*(s.got.wait() for s in crowd)), 30)
            delays += [s.arrivals[version] - answered for s in crowd if version in s.arrivals]
            await asyncio.sleep(0.05)
        cpu = sum(cpu_seconds(p) for p in cpu_pids) - cpu_before
        sent = sum(s.bytes for s in crowd) - bytes_before
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await client.delete(f"{teacher_url}/api/v1/rooms/{room['code']}", headers=auth)
    delays.sort()
    return {
        "p50_ms": 1000 * statistics.median(delays),
        "p99_ms": 1000 * delays[min(len(delays) - 1, int(0.99 * len(delays)))],
        "events": len(delays),
        "cpu_ms_per_step": 1000 * cpu / steps,
        "kib_per_step": sent / steps / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--steps", type=int, default=15)
    parser.add_argument("--postgres", default=os.environ.get("BPLAB_TEST_DATABASE_URL") or "postgresql:///bplab_test?host=/var/run/postgresql")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, workers in (("sqlite, 1 worker", 1), ("sqlite, 2 workers", 2)):
            process, url = start(Path(tmp) / f"{workers}.sqlite3", workers)
            try:
                results[name] = asyncio.run(run_room([url], url, args.students, args.steps, [process.pid]))
                if workers == 1:
                    for n in (50, 100, 200):
                        cpu = asyncio.run(run_room([url], url, n, args.steps, [process.pid]))
                        results[f"cpu, 1 worker, {n} students"] = cpu
            finally:
                process.terminate()
                process.wait()
        try:
            import psycopg

            psycopg.connect(args.postgres, connect_timeout=3).close()
            # different SQLite paths, unused: sessions, rooms and events all go through PostgreSQL
            first, url_a = start(Path(tmp) / "a.sqlite3", 1, args.postgres)
            second, url_b = start(Path(tmp) / "b.sqlite3", 1, args.postgres)
            try:
                results["postgresql, 2 processes"] = asyncio.run(
                    run_room([url_a, url_b], url_a, args.students, args.steps, [first.pid, second.pid]))
            finally:
                for process in (first, second):
                    process.terminate()
                    process.wait()
        except Exception as error:  # noqa: BLE001
            print(f"PostgreSQL skipped: {error}", file=sys.stderr)
    print(json.dumps({"students": args.students, "steps": args.steps, "results": results}, indent=2))
    for name, r in results.items():
        print(f"{name:32s} p50 {r['p50_ms']:7.1f} ms  p99 {r['p99_ms']:7.1f} ms  CPU/step {r['cpu_ms_per_step']:6.1f} ms  "
              f"sent/step {r['kib_per_step']:7.1f} KiB")


if __name__ == "__main__":
    main()
