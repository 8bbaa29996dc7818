"""The public form /p/submit/ under gunicorn, against a hello-world view on the same server.

The server shape of the peer comparison in issue 13: gunicorn with 2 sync workers, 2 client connections, the
project settings (DEBUG off), a scratch SQLite database under var/bench-public (or --postgres), migrated, with one
township of 20 villages and the seeded categories, and the public rate limits lifted (a bench is one address).
Each POST is the whole resident's submission: CSRF cookie and token, the signed form time, a fresh phone, a
title and content; it must answer with the redirect to the done page. The task worker does not run here: work
queued for it is not in the figure (as for a deployment, where it runs beside the app servers).

Phases alternate (ROUNDS pairs of SECONDS: GET /api/ping, then POST /p/submit/) so that drift of shared vCPUs
slows both alike. Prints each round, the totals, and the ratio to the floor.

gunicorn is not a dependency of the project; install it for the bench (`pip install gunicorn`, or into a
directory named by GUNICORN_PATH, which is put on the server's PYTHONPATH).

    .venv/bin/python bench/bench_public_submit.py [--seconds 3] [--rounds 5] [--clients 2] [--workers 2] [--postgres]
"""

import argparse
import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_intake as common

ROOT = common.ROOT
SCRATCH = ROOT / "var" / "bench-public"
PG_DB = "minqing_bench_public"
TITLES = ("路灯坏了一个多月", "自来水三天没来了", "村道上有个大坑")
CONTENTS = common.DESCRIPTIONS


def environment(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DATABASE_URL": database_url,
            "MINQING_VAR_DIR": str(SCRATCH),
            "MINQING_DEBUG": "0",
            "MINQING_LOG_LEVEL": "ERROR",
            "MINQING_PUBLIC_SUBMIT_PER_HOUR": "1000000000",
            "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("GUNICORN_PATH", "")) if p),
        }
    )
    return env


def prepare(env: dict[str, str]) -> tuple[list[int], list[int], str]:
    """Migrate, make the township, and return village ids, leaf category ids and a form token signed a minute
    ago (a person takes longer than the form's minimum; the token stays valid for two hours)."""
    if SCRATCH.exists():
        shutil.rmtree(SCRATCH)
    SCRATCH.mkdir(parents=True)
    subprocess.run([sys.executable, "-m", "minqing", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    script = """
import time
import django
django.setup()
from minqing.regions.models import Level, Region
from minqing.petitions.forms.public import category_choices, form_token
county = Region.objects.create(code="410225000000", name="兰考县", level=Level.COUNTY)
town = Region.objects.create(code="410225106000", name="东坝头镇", level=Level.TOWNSHIP, parent=county)
ids = []
for i in range(20):
    ids.append(Region.objects.create(
        code=f"410225106{200 + i:03d}", name=f"第{i + 1}村", level=Level.VILLAGE, parent=town).pk)
cats = []
for value, label in category_choices():
    cats += [int(pk) for pk, _name in label] if isinstance(label, list) else [int(value)]
cats = cats[:12]
print(",".join(map(str, ids)))
print(",".join(map(str, cats)))
print(form_token(time.time() - 60))
"""
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout.split()
    return [int(x) for x in out[-3].split(",")], [int(x) for x in out[-2].split(",")], out[-1]


_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def submit(villages: list[int], categories: list[int], token: str) -> common.Call:
    sessions: dict[int, tuple[str, str]] = {}  # per connection: (csrf cookie, form token)

    def csrf(conn: http.client.HTTPConnection) -> tuple[str, str]:
        conn.request("GET", "/p/submit/")
        response = conn.getresponse()
        body = response.read().decode()
        cookie = next(
            c.split(";")[0]
            for c in response.headers.get_all("Set-Cookie") or []
            if c.startswith("csrftoken=")
        )
        match = _CSRF.search(body)
        assert match, body[:500]
        return cookie, match.group(1)

    def call(conn: http.client.HTTPConnection, i: int) -> int:
        key = id(conn)
        if key not in sessions:
            sessions[key] = csrf(conn)
        cookie, form_csrf = sessions[key]
        body = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": form_csrf,
                "ts": token,
                "region": str(villages[i % len(villages)]),
                "category": str(categories[i % len(categories)]),
                "title": f"{TITLES[i % len(TITLES)]}（{i}）",
                "content": CONTENTS[i % len(CONTENTS)],
                "submitter_name": "王秀英",
                "submitter_phone": f"139{i % 100_000_000:08d}",
                "address": "村东头桥边",
                "website": "",
            }
        )
        conn.request(
            "POST",
            "/p/submit/",
            body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
        )
        response = conn.getresponse()
        response.read()
        if response.status == 302 and response.headers.get("Location", "").endswith("/p/submit/done/"):
            return 200
        return response.status or 1

    return call


_CPU_CHILD = """
import sys, time
import django
django.setup()
from django.test import Client
villages, categories, token, n = sys.argv[1].split(","), sys.argv[2].split(","), sys.argv[3], int(sys.argv[4])
client = Client()
def ping():
    assert client.get("/api/ping").status_code == 200
def post(i):
    r = client.post("/p/submit/", {
        "ts": token, "region": villages[i % len(villages)], "category": categories[i % len(categories)],
        "title": f"路灯坏了一个多月（{i}）", "content": "村东头的路灯坏了一个多月。晚上出行很不方便，请尽快修复。",
        "submitter_name": "王秀英", "submitter_phone": f"138{i:08d}", "address": "村东头桥边", "website": ""})
    assert r.status_code == 302, r.status_code
for i in range(30):
    ping(); post(10_000_000 + i)
for name, call in (("ping", lambda i: ping()), ("post", post)):
    began = time.process_time()
    for i in range(n):
        call(20_000_000 + i)
    print(name, (time.process_time() - began) / n * 1000)
"""


def cpu_per_request(
    env: dict[str, str], villages: list[int], categories: list[int], token: str, n: int
) -> None:
    """CPU milliseconds per request in one process (the test client, no server): on a machine whose load
    swings, CPU time per request moves far less than requests per second."""
    out = subprocess.run(
        [sys.executable, "-c", _CPU_CHILD, ",".join(map(str, villages)), ",".join(map(str, categories)), token,
         str(n)],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    ).stdout.split()  # fmt: skip
    ms = dict(zip(out[::2], map(float, out[1::2]), strict=True))
    print(
        f"CPU per request, in process: ping {ms['ping']:.2f} ms, POST /p/submit/ {ms['post']:.2f} ms "
        f"(ratio floor/submit {ms['ping'] / ms['post']:.3f}), {n} requests each"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--postgres", action="store_true", help=f"postgres://postgres@127.0.0.1:5432/{PG_DB}")
    parser.add_argument(
        "--cpu", type=int, default=300, help="requests of the in-process CPU measure (0: skip)"
    )
    args = parser.parse_args()
    database_url = f"sqlite:///{SCRATCH / 'bench.sqlite3'}"
    if args.postgres:
        common.PG_DB = PG_DB
        common.use_postgres()
        database_url = common.DATABASE_URL
    env = environment(database_url)

    print(f"machine: {common.machine()}")
    villages, categories, token = prepare(env)
    if args.cpu:
        cpu_per_request(env, villages, categories, token, args.cpu)
    if args.rounds <= 0:
        return 0
    port = common.free_port()
    log = tempfile.TemporaryFile()  # noqa: SIM115 - the server writes to it until the finally block
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            f"--bind=127.0.0.1:{port}",
            f"--workers={args.workers}",
            "--worker-class=sync",
            "config.wsgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    post = submit(villages, categories, token)
    try:
        common.wait_until_up(port, server)
        common.drive(port, args.clients, 1.0, common.ping)  # warm up both workers
        common.drive(port, args.clients, 1.0, post)
        rounds: list[tuple[float, float]] = []
        totals = {"ping": [0, 0.0], "post": [0, 0.0]}
        for n in range(1, args.rounds + 1):
            rates: dict[str, float] = {}
            for name, call in (("ping", common.ping), ("post", post)):
                elapsed, tally = common.drive(port, args.clients, args.seconds, call)
                rates[name] = tally.ok / elapsed
                totals[name][0] += tally.ok
                totals[name][1] += elapsed
                if tally.failed:
                    print(f"  {name}: {tally.failed} failed, statuses {dict(sorted(tally.statuses.items()))}")
            rounds.append((rates["ping"], rates["post"]))
            print(
                f"round {n}: ping {rates['ping']:7.1f} req/s   POST /p/submit/ {rates['post']:7.1f} req/s   "
                f"ratio {rates['post'] / rates['ping'] if rates['ping'] else 0:.3f}"
            )
        ratios = sorted(p / f for f, p in rounds if f)
        ping_rate = totals["ping"][0] / totals["ping"][1]
        post_rate = totals["post"][0] / totals["post"][1]
        print(
            f"all rounds: floor (ping) {ping_rate:.1f} req/s, POST /p/submit/ {post_rate:.1f} req/s "
            f"({totals['post'][0]} filed), gunicorn {args.workers} sync workers, {args.clients} connections"
        )
        print(
            f"ratio submit/floor: median {statistics.median(ratios):.3f} (range {ratios[0]:.3f}–{ratios[-1]:.3f})"
        )
        print(f"machine after: {common.machine()}")
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.seek(0)
        lines = [
            ln for ln in log.read().decode(errors="replace").splitlines() if "ERROR" in ln or "Error" in ln
        ]
        log.close()
        if lines:
            print("server stderr (errors, last lines):\n  " + "\n  ".join(lines[-5:]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
