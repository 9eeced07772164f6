"""The benchmark: generated data at a scale, gunicorn on loopback, a concurrent client signed in as a secretary of
every instrument and as a focal point of a large organization; p50 / p95 / p99 and requests per second of the
pages people use, against a trivial page of the same app in the same run (the floor). Not part of the tests.

    python bench/run.py --scale small                                       # SQLite in a temporary folder
    python bench/run.py --scale national --database-url postgresql+psycopg://postgres@127.0.0.1/bench

Writes bench/results/<database>-<scale>.json; bench/report.py turns the results into bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import html
import http.cookiejar
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "bench correct horse battery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _mindet(environment: dict, *args: str) -> str:
    done = subprocess.run([str(BIN / "mindet"), *args], env=environment, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"mindet {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _prepare(environment: dict, scale: str) -> dict:
    """Migrate, seed (unless the database already holds the data), and pick the objects the pages will show."""
    _mindet(environment, "db", "upgrade")
    started = time.perf_counter()
    seeded = subprocess.run([sys.executable, str(ROOT / "bench" / "seed.py"), "--scale", scale], env=environment,
                            capture_output=True, text=True, check=False)
    seed_seconds = time.perf_counter() - started if seeded.returncode == 0 else None
    if seeded.returncode and "already holds" not in seeded.stderr + seeded.stdout:
        raise SystemExit(f"bench seed failed:\n{seeded.stdout}\n{seeded.stderr}")
    picked = json.loads(subprocess.run([sys.executable, "-c", _PICK], env=environment, capture_output=True,
                                       text=True, check=True).stdout)
    picked["seed_seconds"] = seed_seconds
    return picked


#: run inside the app: the objects to show and a calendar feed to read
_PICK = """
import json
from sqlalchemy import func, select
from tracker import create_app
from tracker.db import get_session
from tracker.models import Checkpoint, Instrument, Membership, Obligation, Organization, Report, User
from tracker.people.calendar_feeds import create_feed
from tracker.people.permissions import access_for
from tracker.timeutil import now_utc
app = create_app()
with app.app_context():
    s = get_session()
    big_org = s.execute(select(Report.organization_id, func.count()).group_by(Report.organization_id)
                        .order_by(func.count().desc()).limit(1)).first()[0]
    focal = s.execute(select(User).join(Membership, Membership.user_id == User.id)
                      .where(Membership.organization_id == big_org, Membership.role == "focal_point")).scalars().first()
    instrument = s.execute(select(Instrument).order_by(Instrument.id)).scalars().first()
    obligation = s.execute(select(Obligation).where(Obligation.instrument_id == instrument.id)
                           .order_by(Obligation.id)).scalars().first()
    checkpoint = s.execute(select(Checkpoint).where(Checkpoint.obligation_id == obligation.id)).scalars().first()
    public = s.execute(select(Instrument).where(Instrument.is_public)).scalars().first()
    reports = s.execute(select(func.count()).select_from(Report)).scalar()
    token = create_feed(session=s, user=focal, access=access_for(s, focal), scope="user", key=None,
                        now=now_utc())[1]
    s.commit()
    print(json.dumps({"focal": focal.email, "organization": s.get(Organization, big_org).code,
                      "instrument": instrument.key, "obligation": obligation.key, "checkpoint": checkpoint.id,
                      "public": public.key if public else None, "feed": token, "reports": reports}))
"""


#: run inside the app: a write of something pages show, committed once a second until stopped (a busy day: some
#: focal point somewhere updates a report), so that kept pages are rendered again after each
_WRITER = """
import time
from sqlalchemy import text
from tracker import create_app
engine = create_app().extensions["engine"]
write = text("UPDATE organization SET name_ru = name_ru WHERE id = (SELECT min(id) FROM organization)")
while True:
    with engine.begin() as connection:
        connection.execute(write)
    time.sleep(1)
"""


class Client:
    """A signed-in (or anonymous) browser-like client: its own cookies and CSRF token."""

    def __init__(self, base: str, email: str | None):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        if email:
            page = self.opener.open(f"{base}/login").read().decode()
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
            body = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": PASSWORD}).encode()
            self.opener.open(f"{base}/login", data=body).read()

    def get(self, path: str, headers: dict | None = None) -> tuple[float, int, float, int | None]:
        """(seconds, bytes, seconds to the first byte, SQL statements the server ran) of one GET (a 304 counts,
        with no body; the statements are read from the Server-Timing header)."""
        started = time.perf_counter()
        request = urllib.request.Request(f"{self.base}{path}", headers=headers or {})
        try:
            with self.opener.open(request, timeout=300) as response:
                first = response.read(1)
                first_at = time.perf_counter() - started
                size = len(first) + len(response.read())
                timing = response.headers.get("Server-Timing", "")
        except urllib.error.HTTPError as error:
            if error.code != 304:
                raise
            first_at, size, timing = time.perf_counter() - started, 0, error.headers.get("Server-Timing", "")
        queries = re.search(r'desc="(\d+) queries"', timing)
        return time.perf_counter() - started, size, first_at, int(queries.group(1)) if queries else None

    def followed(self, path: str, link: str, times: int) -> str:
        """The address reached from `path` by following the link whose words end with `link` `times` times (a
        keyset page has no number to jump to: page 40 is 39 "дальше" away)."""
        for _ in range(times):
            with self.opener.open(f"{self.base}{path}", timeout=300) as response:
                page = response.read().decode()
            path = html.unescape(re.search(rf'href="([^"]+)">{link}', page).group(1))
        return path

    def etag(self, path: str) -> str:
        """The ETag the page answers with."""
        with self.opener.open(f"{self.base}{path}", timeout=300) as response:
            response.read()
            return response.headers["ETag"]


def _measure(clients: list[Client], path: str, requests: int, budget: float, headers: dict | None = None) -> dict:
    """`requests` GETs of `path` spread over the clients (one thread each), stopping early past `budget` s."""
    started = time.perf_counter()
    timings, sizes, firsts, queries = [], [], [], []

    def worker(client: Client):
        while len(timings) < requests and time.perf_counter() - started < budget:
            took, size, first, statements = client.get(path, headers)
            timings.append(took)
            sizes.append(size)
            firsts.append(first)
            queries.append(statements)

    with ThreadPoolExecutor(len(clients)) as pool:
        list(pool.map(worker, clients))
    elapsed = time.perf_counter() - started
    ordered = sorted(timings)

    def pct(p):
        return round(1000 * ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))], 1)
    return {"path": path, "requests": len(timings), "p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99),
            "rps": round(len(timings) / elapsed, 1), "bytes": int(statistics.median(sizes)),
            "first_byte_ms": round(1000 * statistics.median(firsts), 1),
            "queries": max((q for q in queries if q is not None), default=None)}


#: four workbooks of the whole overdue list, different to Mindet (each filter keeps every row), asked for at once
_WORKBOOKS = ["/overdue.xlsx", "/overdue.xlsx?due_from=1900-01-01", "/overdue.xlsx?due_to=2999-12-31",
              "/overdue.xlsx?due_from=1900-01-01&due_to=2999-12-31"]


def _prepared_workbooks(clients: list[Client], environment: dict) -> dict | None:
    """Four people ask at once for a workbook of the whole overdue list; above TRACKER_XLSX_BACKGROUND_ROWS each is
    sent to its file's page, and `mindet exports prepare` (what the clock does every two seconds) builds them one
    after another. Seconds to ask, to build all four, and from asking to the last file downloaded; rows per second.
    None when the list is small enough to be built while the person waits (measured as a page)."""
    started = time.perf_counter()

    def ask(pair):
        client, path = pair
        begun = time.perf_counter()
        with client.opener.open(f"{client.base}{path}", timeout=300) as response:
            response.read()
            return response.geturl(), time.perf_counter() - begun
    with ThreadPoolExecutor(len(clients)) as pool:
        asked = list(pool.map(ask, zip(clients, _WORKBOOKS, strict=False)))
    if "/files/" not in asked[0][0]:
        return None
    begun = time.perf_counter()
    output = subprocess.run([str(BIN / "mindet"), "exports", "prepare"], env=environment, capture_output=True,
                            text=True, check=True).stdout
    built = time.perf_counter() - begun
    rows = [int(found) for found in re.findall(r"ready, (\d+) rows", output)]
    sizes = []
    for (client, _path), (page, _took) in zip(zip(clients, _WORKBOOKS, strict=False), asked, strict=True):
        with client.opener.open(f"{page}/download", timeout=300) as response:
            sizes.append(len(response.read()))
    return {"files": len(asked), "rows_each": rows, "ask_ms_max": round(1000 * max(t for _, t in asked), 1),
            "build_seconds": round(built, 2), "rows_per_second": round(sum(rows) / built),
            "last_downloaded_seconds": round(time.perf_counter() - started, 2), "bytes_each": sizes}


def _print(measured: dict) -> None:
    """One line of progress: a page measured."""
    print(f"{measured['page']:28} p50 {measured['p50_ms']:8.1f} ms  p95 {measured['p95_ms']:8.1f} ms  "  # noqa: T201
          f"p99 {measured['p99_ms']:8.1f} ms  {measured['rps']:7.1f}/s  {measured['bytes']:>9} B", flush=True)


def _while_writing(environment: dict, pages: list, options) -> list[dict]:
    """Pages measured (four times as many requests) while another process commits a write of something they show
    once a second."""
    writer = subprocess.Popen([sys.executable, "-c", _WRITER], env=environment, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    results = []
    try:
        time.sleep(2)  # the writer's app started and its first write made
        for name, clients, path in pages:
            measured = _measure(clients, path, 4 * options.requests, 3 * options.budget)
            measured["page"] = name
            results.append(measured)
            _print(measured)
    finally:
        writer.terminate()
        writer.wait(30)
    return results


def _rss_mb(pid: int) -> float:
    """Peak resident memory of a process (VmHWM), in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return round(int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024, 1)


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False).stdout.split()
    return [int(child) for child in found]


def main() -> None:
    """Run the benchmark and write its results."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=("small", "national"), default="small")
    parser.add_argument("--database-url", help="default: SQLite in a temporary folder")
    parser.add_argument("--requests", type=int, default=60, help="requests per page (default 60)")
    parser.add_argument("--budget", type=float, default=20, help="seconds at most per page (default 20)")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--rendered", action="store_true",
                        help="render every page on every request (TRACKER_KEPT_PAGES_MINUTES=0): what a page costs "
                             "when nothing of it is kept, as right after a write")
    options = parser.parse_args()

    instance = Path(tempfile.mkdtemp(prefix="mindet-bench-"))
    environment = {**os.environ, "TRACKER_INSTANCE_PATH": str(instance), "TRACKER_SECRET_KEY": "bench",
                   "TRACKER_LOGIN_RATE_LIMIT": "100000 per minute", "TRACKER_MAIL_BACKEND": "memory"}
    if options.database_url:
        environment["TRACKER_DATABASE_URL"] = options.database_url
    if options.rendered:
        environment["TRACKER_KEPT_PAGES_MINUTES"] = "0"
    database = "postgresql" if (options.database_url or "").startswith("postgresql") else "sqlite"
    print(f"preparing {options.scale} data on {database} …", flush=True)  # noqa: T201
    picked = _prepare(environment, options.scale)
    port = _free_port()
    server_log = instance / "gunicorn.log"
    # gunicorn as Mindet ships it (tracker/deploy/gunicorn.conf.py: 2 synchronous workers per core plus one), on
    # loopback: with fewer workers than clients, a download would wait for another to end before its first byte
    web = subprocess.Popen([str(BIN / "gunicorn"), "--config", str(ROOT / "tracker" / "deploy" / "gunicorn.conf.py"),
                            "--timeout", "300", "tracker:create_app()"],
                           env={**environment, "MINDET_BIND": f"127.0.0.1:{port}"}, stdout=subprocess.DEVNULL,
                           stderr=server_log.open("w"))
    print(f"server log: {server_log}", flush=True)  # noqa: T201
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{base}/health", timeout=2)  # noqa: S310 — loopback
                break
            except OSError:
                time.sleep(0.1)
        secretary = [Client(base, "secretary1@bench.mindet.kz") for _ in range(options.concurrency)]
        focal = [Client(base, picked["focal"]) for _ in range(options.concurrency)]
        anonymous = [Client(base, None) for _ in range(options.concurrency)]
        key, org = picked["instrument"], urllib.parse.quote(picked["organization"])
        pages = [
            ("floor: /login", anonymous, "/login"),
            ("home", secretary, "/"),
            ("overdue, page 1", secretary, "/overdue"),
            ("overdue, page 40", secretary, secretary[0].followed("/overdue", "дальше", 39)),
            ("overdue, by organization", secretary, f"/overdue?organization={org}"),
            ("overdue, by instrument", secretary, f"/overdue?instrument={key}"),
            ("overdue.xlsx", secretary, "/overdue.xlsx"),
            ("overdue.csv", secretary, "/overdue.csv"),
            ("dashboard", secretary, "/dashboard"),
            ("dashboard, past quarter", secretary, "/dashboard?quarter=2025-Q4"),
            ("every instrument's progress", secretary, "/dashboard/instruments"),
            ("instrument dashboard", secretary, f"/instruments/{key}/dashboard"),
            ("my work (focal point)", focal, "/reports"),
            ("review queue", secretary, "/review"),
            ("instrument page", secretary, f"/instruments/{key}"),
            ("obligation page", secretary, f"/obligations/{picked['obligation']}"),
            ("checkpoint page", secretary, f"/checkpoints/{picked['checkpoint']}"),
            ("audit trail", secretary, "/audit"),
            ("ICS feed", anonymous, f"/calendar/{picked['feed']}.ics"),
            ("public view", anonymous, "/public/"),
            ("search", secretary, "/search?q=" + urllib.parse.quote("трудовых споров")),
        ]
        feed = f"/calendar/{picked['feed']}.ics"
        # the ETag is read just before it is measured: a write since (asking for a workbook is audited) changes it
        pages.append(("ICS feed, unchanged (304)", anonymous, feed, lambda: {"If-None-Match": anonymous[0].etag(feed)}))
        results = []
        for name, clients, path, *headers in pages:
            clients[0].get(path)  # warm up: the first request of a worker loads what every later one shares
            measured = _measure(clients, path, options.requests, options.budget, headers[0]() if headers else None)
            measured["page"] = name
            results.append(measured)
            _print(measured)
        # not a page: measured once, in the run that keeps pages (a second run would be handed the files it made)
        if not options.rendered:  # kept pages while a write lands every second: each is rendered again after it
            results += _while_writing(environment, [
                ("dashboard, a write every second", secretary, "/dashboard"),
                ("overdue, page 1, a write every second", secretary, "/overdue"),
                ("my work, a write every second", focal, "/reports")], options)
        workbooks = None if options.rendered else _prepared_workbooks(secretary, environment)
        if workbooks:
            print(f"4 workbooks prepared in the background: {workbooks}", flush=True)  # noqa: T201
        workers = {pid: _rss_mb(pid) for pid in _children(web.pid)}
    finally:
        web.terminate()
        web.wait(30)
    output = ROOT / "bench" / "results" / f"{database}-{options.scale}{'-rendered' if options.rendered else ''}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=ROOT, check=False).stdout.strip()
    output.write_text(json.dumps({
        "database": database, "scale": options.scale, "rendered": options.rendered,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "concurrency": options.concurrency, "workers": len(workers), "seed_seconds": picked["seed_seconds"],
        "reports": picked["reports"],
        "worker_peak_rss_mb": max(workers.values()) if workers else None, "pages": results,
        "prepared_workbooks": workbooks}, indent=1,
        ensure_ascii=False))
    print(f"written {output}", flush=True)  # noqa: T201


if __name__ == "__main__":
    main()
