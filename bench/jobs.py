"""The benchmark's batch jobs, each a `mindet` process timed with its peak memory: the clock's reminder pass on a
quarter's last day and the quarterly digest for every user into an SMTP server on loopback (messages/s), the
outbox emptied, then `roadmaps sync` of a generated 15,000-obligation YAML set (first load into an empty
database, then a no-op re-sync).

    python bench/jobs.py --database-url postgresql+psycopg://postgres@127.0.0.1/bench_national \\
        --sync-database-url postgresql+psycopg://postgres@127.0.0.1/bench_sync

The first URL holds data from `python bench/seed.py` (bench/run.py leaves it there); the second must be empty.
Writes bench/results/jobs-<database>.json, which bench/report.py adds to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))
from bench.run import _free_port  # noqa: E402 — the same helper as the page benchmark

#: the reminder pass of a quarter's last day (every stage due at once), and the quarter its digest closes
QUARTER_END = "2026-12-31T10:00+05:00"
DIGEST_QUARTER = "2026-Q4"


class Sink:
    """An SMTP server that counts what it is given."""

    def __init__(self):
        self.messages = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages += 1
        return "250 OK"


def _timed(environment: dict, *args: str) -> dict:
    """Run `mindet ARGS`: wall seconds, peak RSS in MB (from the kernel's accounting of that process), and the
    last lines it printed."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen([str(BIN / "mindet"), *args], env=environment, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode:
        raise SystemExit(f"mindet {' '.join(args)} failed:\n{stdout}\n{stderr}")
    peak = usage.ru_maxrss / 1024  # Linux reports kB
    summary = [line for line in stdout.splitlines() if line.strip()]
    print(f"mindet {' '.join(args):45} {seconds:7.1f} s  {peak:6.0f} MB  {summary[-1] if summary else ''}",
          flush=True)  # noqa: T201
    return {"command": " ".join(args), "seconds": round(seconds, 2), "peak_rss_mb": round(peak, 1),
            "output": summary[-3:]}


def _queued(output: list[str]) -> int:
    """How many emails a reminders or digest run says it queued."""
    found = re.search(r"queued (\d+)", " ".join(output))
    return int(found.group(1)) if found else 0


def main() -> None:
    """Run the jobs and write their results."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="a database filled by `python bench/seed.py`")
    parser.add_argument("--sync-database-url", required=True, help="an empty database for the sync timing")
    parser.add_argument("--obligations", type=int, default=15_000)
    options = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="mindet-jobs-"))
    base = {**os.environ, "TRACKER_INSTANCE_PATH": str(scratch), "TRACKER_SECRET_KEY": "bench"}
    results = {}

    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=_free_port())
    controller.start()
    mail = {**base, "TRACKER_DATABASE_URL": options.database_url, "TRACKER_MAIL_BACKEND": "smtp",
            "TRACKER_MAIL_HOST": "127.0.0.1", "TRACKER_MAIL_PORT": str(controller.port)}
    try:
        for name, args in (("clock tick: reminders", ("reminders", "run", "--now", QUARTER_END)),
                           ("digests", ("digest", "send", "--quarter", DIGEST_QUARTER))):
            results[name] = _timed(mail, *args)
            # the job renders and queues every email, and delivers the first batch of the outbox (500)
            results[name]["messages"] = _queued(results[name]["output"])
            results[name]["messages_per_second"] = round(results[name]["messages"] / results[name]["seconds"], 1)
        before = sink.messages
        delivered = _timed(mail, "mail", "deliver")  # everything the two jobs left in the outbox, 500 a pass
        results["outbox delivery"] = {**delivered, "messages": sink.messages - before,
                                      "messages_per_second": round((sink.messages - before) / delivered["seconds"], 1)}
    finally:
        controller.stop()

    # the sync last: loading 15,000 obligations leaves the database server writing its checkpoint and vacuuming
    # for a while after, on the same two cores as the jobs that would run next
    roadmaps = scratch / "roadmaps"
    subprocess.run([sys.executable, str(ROOT / "bench" / "seed.py"), "--roadmaps", str(roadmaps),
                    "--obligations", str(options.obligations)],
                   check=True, cwd=ROOT)
    sync = {**base, "TRACKER_DATABASE_URL": options.sync_database_url, "TRACKER_ROADMAPS_DIR": str(roadmaps)}
    subprocess.run([str(BIN / "mindet"), "db", "upgrade"], env=sync, check=True, capture_output=True)
    results["roadmaps check"] = _timed(sync, "roadmaps", "check")
    results["first sync"] = _timed(sync, "roadmaps", "sync")
    results["no-op re-sync"] = _timed(sync, "roadmaps", "sync")

    database = "postgresql" if options.database_url.startswith("postgresql") else "sqlite"
    output = ROOT / "bench" / "results" / f"jobs-{database}.json"
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=ROOT, check=False).stdout.strip()
    output.write_text(json.dumps({
        "database": database, "date": datetime.now(UTC).isoformat(timespec="seconds"), "commit": commit,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "obligations": options.obligations, "jobs": results}, indent=1, ensure_ascii=False))
    print(f"written {output}", flush=True)  # noqa: T201


if __name__ == "__main__":
    main()
