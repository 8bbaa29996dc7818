"""Open311 intake throughput against a real WSGI server, compared with a hello-world view.

Starts waitress in a subprocess on a free port with the project settings (DEBUG off) and a scratch database
(SQLite under var/bench-intake, or with --postgres a fresh PostgreSQL database), migrated, with one township of
20 villages and an Open311 key; then runs N client threads, each on one keep-alive connection, for a fixed time:

1. GET /api/ping — a plain Django view through the same middleware: the ceiling of this server and machine;
2. POST /open311/v2/requests.json — a form-encoded GeoReport request, checked in full and queued for the task
   worker as one row (the worker files it through petition_register; no worker runs here).

The two alternate in short phases (ROUNDS pairs of SECONDS each), so that a machine whose speed drifts (shared
vCPUs) slows both alike. Prints each round's requests/s and ratio, and the median ratio (goal: intake at least
half the hello-world rate).

    .venv/bin/python bench/bench_intake.py [--seconds 3] [--rounds 7] [--clients 4] [--threads 4] [--postgres]
"""

import argparse
import contextlib
import http.client
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRATCH = ROOT / "var" / "bench-intake"
GOAL_RATIO = 0.5
DESCRIPTIONS = (
    "村东头的路灯坏了一个多月。晚上出行很不方便，请尽快修复。",
    "自来水三天没来了，家里老人吃水困难。",
    "村道上有个大坑，下雨积水，电动车摔倒过两次。",
)


def machine() -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    uptime = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    return f"{os.cpu_count()} CPUs, load average {load} ({uptime})"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


PG_DB = "minqing_bench_intake"
DATABASE_URL = f"sqlite:///{SCRATCH / 'bench.sqlite3'}"


def use_postgres() -> None:
    """A fresh scratch database on the local PostgreSQL server."""
    global DATABASE_URL
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f"drop database if exists {PG_DB} with (force)")
        conn.execute(f"create database {PG_DB}")
    DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DATABASE_URL": DATABASE_URL,
            "MINQING_VAR_DIR": str(SCRATCH),
            "MINQING_DEBUG": "0",
            "MINQING_LOG_LEVEL": "ERROR",
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


def prepare() -> tuple[str, list[str]]:
    """A fresh database: migrated, one county → township → 20 villages, and an Open311 key. Returns the raw key
    and the village codes. Runs in a child process so this one never holds a database connection."""
    if SCRATCH.exists():
        shutil.rmtree(SCRATCH)
    SCRATCH.mkdir(parents=True)
    python = sys.executable
    env = environment()
    subprocess.run([python, "-m", "minqing", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    script = """
from django.conf import settings
import django
django.setup()
from minqing.regions.models import Level, Region
from minqing.api.services import api_key_create
county = Region.objects.create(code="410225000000", name="兰考县", level=Level.COUNTY)
town = Region.objects.create(code="410225106000", name="东坝头镇", level=Level.TOWNSHIP, parent=county)
codes = []
for i in range(20):
    code = f"410225106{200 + i:03d}"
    Region.objects.create(code=code, name=f"第{i + 1}村", level=Level.VILLAGE, parent=town)
    codes.append(code)
_key, raw = api_key_create(actor=None, name="bench", region=town)
print(raw)
print(",".join(codes))
"""
    out = subprocess.run(
        [python, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout.split()
    return out[-2], out[-1].split(",")


@dataclass
class Tally:
    ok: int = 0
    failed: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, ok: int, failed: int, statuses: dict[int, int]) -> None:
        with self.lock:
            self.ok += ok
            self.failed += failed
            for code, n in statuses.items():
                self.statuses[code] = self.statuses.get(code, 0) + n


Call = Callable[[http.client.HTTPConnection, int], int]


def connect(port: int) -> http.client.HTTPConnection:
    """A keep-alive connection with Nagle's algorithm off, as load generators (wrk, ab) and proxies use.
    http.client writes a POST's headers and body in two sends; with Nagle on, the body waits for the
    server's ACK of the headers, which adds ≈0.6 ms to every POST on loopback and measures the client."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.connect()
    assert conn.sock is not None
    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return conn


def drive(port: int, clients: int, seconds: float, call: Call) -> tuple[float, Tally]:
    tally = Tally()
    start_barrier = threading.Barrier(clients + 1)
    deadline = [0.0]

    def worker(n: int) -> None:
        conn = connect(port)
        ok = failed = 0
        statuses: dict[int, int] = {}
        i = n
        start_barrier.wait()
        while time.perf_counter() < deadline[0]:
            try:
                status = call(conn, i)
            except (OSError, http.client.HTTPException):
                conn.close()
                with contextlib.suppress(OSError):  # the server is gone: the next call fails and counts
                    conn = connect(port)
                status = 0
            statuses[status] = statuses.get(status, 0) + 1
            if status == 200:
                ok += 1
            else:
                failed += 1
            i += clients
        conn.close()
        tally.add(ok, failed, statuses)

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    began = time.perf_counter()
    deadline[0] = began + seconds
    start_barrier.wait()
    for t in threads:
        t.join(timeout=seconds + 120)
    return time.perf_counter() - began, tally


def ping(conn: http.client.HTTPConnection, i: int) -> int:
    conn.request("GET", "/api/ping")
    response = conn.getresponse()
    response.read()
    return response.status


def intake(raw_key: str, villages: list[str]) -> Call:
    def call(conn: http.client.HTTPConnection, i: int) -> int:
        body = urllib.parse.urlencode(
            {
                "api_key": raw_key,
                "service_code": ("chengxiang-road", "chengxiang-water-power", "huanbao-village")[i % 3],
                "lat": f"{34.80 + (i % 100) / 1000:.6f}",
                "long": f"{114.90 + (i % 97) / 1000:.6f}",
                "attribute[village]": villages[i % len(villages)],
                "description": DESCRIPTIONS[i % len(DESCRIPTIONS)],
                "phone": f"139{i % 100_000_000:08d}",
                "device_id": f"bench-{i % 50}",
            }
        )
        conn.request(
            "POST",
            "/open311/v2/requests.json",
            body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        response = conn.getresponse()
        response.read()
        return response.status

    return call


def wait_until_up(port: int, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    until = time.monotonic() + timeout
    while time.monotonic() < until:
        if server.poll() is not None:
            raise SystemExit(f"waitress exited with {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            if ping(conn, 0) == 200:
                conn.close()
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("waitress did not answer /api/ping in time")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each phase")
    parser.add_argument("--rounds", type=int, default=7, help="ping/POST phase pairs, alternating")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4, help="waitress threads (its default, as deployed)")
    parser.add_argument("--postgres", action="store_true", help=f"postgres://postgres@127.0.0.1:5432/{PG_DB}")
    args = parser.parse_args()
    if args.postgres:
        use_postgres()

    print(f"machine: {machine()}")
    raw_key, villages = prepare()
    port = free_port()
    log = tempfile.TemporaryFile()  # noqa: SIM115 - the server writes to it until the finally block
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "waitress",
            f"--listen=127.0.0.1:{port}",
            f"--threads={args.threads}",
            "--connection-limit=1000",
            "config.wsgi:application",
        ],
        cwd=ROOT,
        env=environment(),
        stdout=subprocess.DEVNULL,
        # A file, not a pipe: waitress logs "Task queue depth" under load, and a pipe nobody reads until the end
        # fills up and stops every server thread at its next log line.
        stderr=log,
    )
    try:
        wait_until_up(port, server)
        drive(port, args.clients, 1.0, ping)  # warm up: imports, URL resolver, connections
        drive(port, args.clients, 1.0, intake(raw_key, villages))
        # Alternate short phases: on shared vCPUs the machine's speed drifts over a minute, and a ratio of two
        # long runs taken one after the other measures the drift as much as the server.
        rounds: list[tuple[float, float]] = []
        totals = {"ping": [0, 0.0], "post": [0, 0.0]}
        for n in range(1, args.rounds + 1):
            rates: dict[str, float] = {}
            for name, call in (("ping", ping), ("post", intake(raw_key, villages))):
                elapsed, tally = drive(port, args.clients, args.seconds, call)
                rates[name] = tally.ok / elapsed
                totals[name][0] += tally.ok
                totals[name][1] += elapsed
                if tally.failed:
                    print(f"  {name}: {tally.failed} failed, statuses {dict(sorted(tally.statuses.items()))}")
            ratio = rates["post"] / rates["ping"] if rates["ping"] else 0.0
            rounds.append((rates["ping"], rates["post"]))
            print(
                f"round {n}: ping {rates['ping']:7.1f} req/s   open311 POST {rates['post']:7.1f} req/s   "
                f"ratio {ratio:.2f}"
            )
        ratios = sorted(post / ping for ping, post in rounds if ping)
        median = statistics.median(ratios) if ratios else 0.0
        ping_rate = totals["ping"][0] / totals["ping"][1]
        post_rate = totals["post"][0] / totals["post"][1]
        print(
            f"all rounds: ping {ping_rate:.1f} req/s ({totals['ping'][0]} ok), open311 POST requests.json "
            f"{post_rate:.1f} req/s ({totals['post'][0]} ok), {args.clients} clients"
        )
        verdict = "met" if median >= GOAL_RATIO else "not met"
        print(
            f"ratio intake/ping: median {median:.2f} of {len(ratios)} rounds (range {ratios[0]:.2f}–{ratios[-1]:.2f}; "
            f"goal ≥ {GOAL_RATIO}: {verdict})"
        )
        print(f"machine after: {machine()}")
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.seek(0)
        err = log.read()
        log.close()
        # waitress logs "Task queue depth is N" whenever all its threads are busy: expected under load.
        lines = [
            ln for ln in err.decode(errors="replace").splitlines() if ln.strip() and "queue depth" not in ln
        ]
        if lines:
            print("server stderr (last lines):\n  " + "\n  ".join(lines[-5:]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
