"""HTTP benchmark of the store (issue 8): wrk against uvicorn on loopback, 1 worker and 2.

For each worker count it starts a trivial `async def` endpoint (bench/trivial_app.py, 1 KB of
pre-encoded JSON: the framework's own floor) and the app, creates 64 sessions of 2-4-2-1 tanh
(batches of 10 of 500 xor points), and drives with wrk at 16 and 64 connections:

- JSON step: POST /api/v1/sessions/{id}/step?view=compact
- page step: POST /s/{id}/step as the Step button sends it (HX-Request, the state token the
             page shows, so the answer carries the parts of the drawing the step changed)
- GET:       GET /api/v1/sessions/{id}?view=compact

Each connection is a student's browser: it keeps its own sessions (connection t of C takes
sessions t, t + C, ...: 4 each at 16 connections, 1 at 64) and steps them in turn, so no session
is stepped by two connections at once, and with two workers a session stays with the process its
connection reached, as a page's keep-alive connection does. wrk's Lua has no connection identity,
so it runs one thread per connection (the trivial endpoint too; that costs it nothing). With
--shared-connections wrk runs two threads and each sends every request on whichever of its
connections is free, so with two workers a session's steps alternate between the processes and
nearly every step reloads it (the worst case, not a class's). Each session starts a few steps
into its iteration (starting_step), so the heavier steps (an update redraws the plots) are
spread as a class's are (--lockstep: all at the same point, every update at once). Prints req/s,
the ratio to the trivial endpoint measured just before at the same connections, p50/p99 latency
and errors (socket errors, timeouts, non-2xx). With two workers it also prints how many of the
connections each process held halfway through the run (ss): the kernel hands a burst of
connections to whichever process accepts first, and the busier process's requests wait longer,
so an uneven split stretches the tail of the trivial endpoint and the app alike.

    .venv/bin/python bench/bench_http.py [--seconds 8] [--workers 1,2] [--port 8150] [--shared-connections]

wrk is Debian's package (apt-get install wrk).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
SESSIONS = 64
CONFIG = {
    "layers": [2, 4, 2, 1], "activations": "tanh", "loss": "mse", "batch_size": 10,
    "optimizer": {"name": "sgd", "learning_rate": 0.05}, "data": {"dataset": "xor", "samples": 500, "noise": 0.1},
}
CONNECTIONS = (16, 64)
STEPS_PER_ITERATION = 8  # of 2-4-2-1: forward 1-3, loss, backward 3-1, update

# wrk: each request takes the next path; done() prints one JSON line the bench parses
DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('RESULT {"requests": %d, "seconds": %f, "p50": %f, "p99": %f, ' ..
    '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(99) / 1e3,
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""
# wrk's threads each get their own Lua state: setup() numbers them, and thread t takes every
# threads-th path from t, so no two threads (and no two connections) step one session at once,
# as no two students step one session
SHARED_THREADS = 2  # --shared-connections
SETUP = """
local started = 0
setup = function(thread)
  thread:set("thread_index", started)
  started = started + 1
end
local function mine(all)
  local out = {}
  for i = thread_index + 1, #all, %(threads)d do out[#out + 1] = all[i] end
  if #out == 0 then return all end  -- one path (the trivial endpoint): every thread asks it
  return out
end
"""
ROTATING = SETUP + """
local all = {%(paths)s}
local paths
local method, body = "%(method)s", %(body)s
local headers = {["Content-Type"] = "application/json"}
local counter = 0
request = function()
  paths = paths or mine(all)
  counter = counter + 1
  return wrk.format(method, paths[(counter %% #paths) + 1], headers, body)
end
"""
# the Step button: htmx sends the state token the page shows (#seen), and the answer carries the
# next one, so an up-to-date page gets only the parts of the drawing a step changed. Each run
# starts from the tokens the pages show (page_tokens): a student's first press comes from a
# loaded page too (without them each run's first 64 steps were whole panels, 5% of a figure)
STEP_BUTTON = SETUP + """
local all = {%(ids)s}
local ids
local tokens = {%(tokens)s}
local counter = 0
local headers = {["Content-Type"] = "application/x-www-form-urlencoded", ["HX-Request"] = "true"}
request = function()
  ids = ids or mine(all)
  counter = counter + 1
  local id = ids[(counter %% #ids) + 1]
  return wrk.format("POST", "/s/" .. id .. "/step", headers, "focus=0&seen=" .. (tokens[id] or ""))
end
-- plain finds (memchr) and anchored matches: a pattern scanned over 30 KB of answer cost wrk
-- about a millisecond a request, taken from the server's two cores
local SEEN = 'id="seen" name="seen" value="'
response = function(status, response_headers, body)
  local at_id = string.find(body, "/s/", 1, true)
  local at_token = string.find(body, SEEN, 1, true)
  if not (at_id and at_token) then return end
  local id = string.match(body, "^/s/([%%w_%%-]+)/", at_id)
  local token = string.match(body, '^([^"]+)"', at_token + #SEEN)
  if id and token then tokens[id] = token end
end
"""


def start(module: str, port: int, workers: int, env: dict) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", module, "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
         "--loop", "asyncio",  # as scripts/serve.sh serves
         "--no-access-log", "--log-level", "warning"],
        cwd=ROOT, env={**os.environ, "PYTHONFAULTHANDLER": "1", **env}, stdout=subprocess.DEVNULL,
        stderr=open(ROOT / "data" / f"bench-http-{port}.log", "w") if os.environ.get("BENCH_HTTP_LOG") else subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.1)
    stop(process)
    raise RuntimeError(f"{module} did not start on port {port}")


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def rotating(threads: int, paths: list[str], method: str = "GET", body: str | None = None) -> str:
    return ROTATING % {"threads": threads, "paths": ", ".join(json.dumps(p) for p in paths), "method": method,
                       "body": json.dumps(body) if body is not None else "nil"}


def step_button(threads: int, ids: list[str], tokens: dict[str, str]) -> str:
    return STEP_BUTTON % {"threads": threads, "ids": ", ".join(json.dumps(i) for i in ids),
                          "tokens": ", ".join(f"[{json.dumps(i)}] = {json.dumps(t)}" for i, t in tokens.items())}


def page_tokens(base: str, ids: list[str]) -> dict[str, str]:
    """The state token each session's page shows now (its #seen field)."""
    marker = 'id="seen" name="seen" value="'
    with httpx.Client(base_url=base, timeout=30) as client:
        pages = {i: client.get(f"/s/{i}").text for i in ids}
    return {i: page.split(marker, 1)[1].split('"', 1)[0] for i, page in pages.items()}


def wrk(base: str, lua: str, threads: int, connections: int, seconds: float) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua + DONE)
    split: list[tuple[int, ...]] = []
    sampler = threading.Timer(seconds / 2, lambda: split.append(connections_per_process(int(base.rsplit(":", 1)[1]))))
    sampler.start()
    try:
        out = subprocess.run(
            ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "5s", "-s", script.name, base],
            capture_output=True, text=True, check=True,
        ).stdout
    finally:
        sampler.cancel()
        os.unlink(script.name)
    result = json.loads(next(line for line in out.splitlines() if line.startswith("RESULT "))[7:])
    result["rps"] = result["requests"] / result["seconds"]
    result["errors"] = sum(result[k] for k in ("connect", "read", "write", "status", "timeout"))
    result["split"] = split[0] if split else ()
    return result


def connections_per_process(port: int) -> tuple[int, ...]:
    """How many of the established connections to `port` each server process holds, fewest
    first: with two workers the kernel hands wrk's connections to whichever process accepts
    first, and an uneven split alone stretches the tail (the busier worker's requests wait
    longer). Empty where ss (iproute2) is missing."""
    if shutil.which("ss") is None:
        return ()
    out = subprocess.run(["ss", "-tnpH", "state", "established", f"( sport = :{port} )"],
                         capture_output=True, text=True).stdout
    return tuple(sorted(Counter(re.findall(r"pid=(\d+)", out)).values()))


def split_text(split: tuple[int, ...], workers: int) -> str:
    """8/8, or 0/16 for a worker that holds none (ss lists only the processes that hold some)."""
    if not split:
        return "?"
    return "/".join(map(str, (0,) * (workers - len(split)) + split))


def settle(base: str, process: subprocess.Popen | None = None) -> None:
    """Requests wrk left behind are still being answered when it stops: wait them out."""
    time.sleep(1)
    try:
        httpx.get(base + "/api/v1/presets", timeout=60)
    except httpx.HTTPError:
        if process is not None:  # PYTHONFAULTHANDLER: every thread's stack goes to the log
            os.killpg(process.pid, signal.SIGABRT)
        raise


def measure(workers: int, port: int, seconds: float, db_dir: Path, only: list[str], lockstep: bool = False,
            shared_connections: bool = False) -> list[tuple]:
    """Both servers run at once (the idle one costs nothing), and each figure of the app comes
    right after the trivial endpoint's at the same connections: this machine's speed drifts by
    a tenth within minutes, and a ratio of two figures taken minutes apart carries that drift."""
    def threads(connections: int) -> int:
        return SHARED_THREADS if shared_connections else connections

    rows = []
    trivial = start("bench.trivial_app:app", port, workers, {})
    app = None
    try:
        app = start("app.main:app", port + 1, workers, {"BPLAB_DB": str(db_dir / f"bench-{workers}.sqlite3")})
        trivial_base, base = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{port + 1}"
        with httpx.Client(base_url=base, timeout=30) as client:
            ids = [client.post("/api/v1/sessions", json=CONFIG).json()["id"] for _ in range(SESSIONS)]
            if not lockstep:
                for k, session_id in enumerate(ids):
                    if offset := starting_step(k):
                        client.post(f"/api/v1/sessions/{session_id}/step", json={"count": offset})
        cases = [
            ("JSON step", lambda t: rotating(t, [f"/api/v1/sessions/{i}/step?view=compact" for i in ids], "POST", "")),
            ("page step", lambda t: step_button(t, ids, page_tokens(base, ids))),
            ("GET (compact)", lambda t: rotating(t, [f"/api/v1/sessions/{i}?view=compact" for i in ids])),
        ]
        for name, lua in cases:
            if only and not any(name.startswith(o) for o in only):
                continue
            wrk(base, lua(threads(16)), threads(16), 16, 1)  # warm: every session in the working set
            settle(base, app)
            for c in CONNECTIONS:
                floor = wrk(trivial_base, rotating(threads(c), ["/"]), threads(c), c, seconds)
                rows.append((workers, name, c, wrk(base, lua(threads(c)), threads(c), c, seconds), floor))
                print(f"{workers} worker(s), {name}, c{c}: {rows[-1][3]['rps']:.0f} req/s (trivial {floor['rps']:.0f})",
                      file=sys.stderr, flush=True)
                settle(base, app)
    finally:
        stop(trivial)
        if app is not None:
            stop(app)
    return rows


def starting_step(k: int) -> int:
    """How many steps into its iteration session k starts: the sessions one connection steps in
    turn (k, k + 16, ... at 16 connections) are at different points, and so are neighbours."""
    return (k + k // 16) % STEPS_PER_ITERATION


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--port", type=int, default=8150)
    parser.add_argument("--only", default="", help="comma-separated request names to run (default: all)")
    parser.add_argument("--lockstep", action="store_true",
                        help="every session at the same point of its iteration (all 64 update at once)")
    parser.add_argument("--shared-connections", action="store_true",
                        help="wrk -t2: a session's requests go on any free connection of its thread "
                             "(with two workers, its steps alternate between the processes)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk")
    rows = []
    with tempfile.TemporaryDirectory(prefix="bplab-bench-http-") as tmp:
        for workers in (int(w) for w in args.workers.split(",")):
            rows += measure(workers, args.port, args.seconds, Path(tmp), [n for n in args.only.split(",") if n], args.lockstep,
                            args.shared_connections)
    mode = f"wrk -t{SHARED_THREADS}, sessions on any free connection" if args.shared_connections else "wrk one thread per connection, each with its own sessions"
    print(f"{mode}, {args.seconds:g} s per figure, {SESSIONS} sessions of 2-4-2-1 tanh; ratio = req/s / the trivial endpoint's at the same connections, measured just before\n")
    print("| workers | request | connections | req/s | x trivial | p50 | p99 | p99/p50 | trivial's p99/p50 | errors "
          "| connections per worker (trivial's) |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for workers, name, c, result, floor in rows:
        split = f"{split_text(result['split'], workers)} ({split_text(floor['split'], workers)})" if workers > 1 else ""
        print(f"| {workers} | {name} | {c} | {result['rps']:,.0f} | {result['rps'] / floor['rps']:.3f} | "
              f"{result['p50']:.1f} ms | {result['p99']:.1f} ms | {result['p99'] / max(result['p50'], 1e-9):.1f} | "
              f"{floor['p99'] / max(floor['p50'], 1e-9):.1f} | {result['errors']} | {split} |")

if __name__ == "__main__":
    main()
