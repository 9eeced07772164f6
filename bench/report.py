"""bench/RESULTS.md from the runs in bench/results/*.json: per page p50 / p95 / p99, requests per second, the
ratio of p95 to the floor's p95 in the same run, and national against small; with the previous committed results
(bench/results/previous/) the change of each p95 is printed too.

    python bench/report.py            # writes bench/RESULTS.md and prints the comparison
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
FLOOR = "floor: /login"


def _load(folder: Path) -> dict[tuple[str, str], dict]:
    runs = {}
    for path in sorted(folder.glob("*.json")):
        if path.name.startswith(("jobs-", "explain")):
            continue
        run = json.loads(path.read_text())
        runs[(run["database"], run["scale"] + (", rendered on every request" if run.get("rendered") else ""))] = run
    return runs


def _p95(run: dict) -> dict[str, float]:
    return {page["page"]: page["p95_ms"] for page in run["pages"]}


def _table(run: dict, small: dict | None) -> list[str]:
    floor = _p95(run)[FLOOR]
    small_p95 = _p95(small) if small else {}
    lines = ["| page | p50 ms | p95 ms | p99 ms | req/s | bytes | first byte ms (p50) | SQL statements | × floor p95 "
             "| × small p95 |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for page in run["pages"]:
        ratio_small = (f"{page['p95_ms'] / small_p95[page['page']]:.1f}" if small_p95.get(page["page"]) else "—")
        lines.append(f"| {page['page']} | {page['p50_ms']} | {page['p95_ms']} | {page['p99_ms']} | {page['rps']} | "
                     f"{page['bytes']:,} | {page.get('first_byte_ms', '—')} | {page.get('queries') or '—'} | "
                     f"{page['p95_ms'] / floor:.1f} | {ratio_small} |")
    return lines


def _workbooks(made: dict) -> list[str]:
    rows = made["rows_each"]
    if not rows:  # a run on a database that had made these files within the hour: Mindet handed them back
        return ["**Overdue workbooks prepared in the background**: not measured (the database had prepared the same "
                "files for the same person within the hour, and handed them back).", ""]
    return [f"**Overdue workbooks prepared in the background** (above `TRACKER_XLSX_BACKGROUND_ROWS`): {made['files']} "
            f"people asked at once (the slowest answer, the file's page: {made['ask_ms_max']} ms); "
            f"`mindet exports prepare` built {len(rows)} files of {rows[0]:,} rows one after another in "
            f"{made['build_seconds']} s, **{made['rows_per_second']:,} rows/s**; the last file downloaded "
            f"{made['last_downloaded_seconds']} s after asking ({made['bytes_each'][0]:,} bytes each).", ""]


#: the batch jobs' targets (issue 14): seconds at most, or messages per second at least
JOB_TARGETS = {"first sync": "≤ 60 s", "no-op re-sync": "≤ 10 s", "clock tick: reminders": "≤ 30 s, RSS ≤ 300 MB",
               "digests": "≥ 100 messages/s", "outbox delivery": "—"}


def _jobs(run: dict) -> list[str]:
    lines = [f"## batch jobs, {run['database']}", "",
             f"{run['date']}, commit {run['commit']}, {run['machine']}; a generated set of {run['obligations']:,} "
             "obligations for the sync; the national data for the clock and the digests; an SMTP server on "
             "loopback.", "",
             "Messages: emails rendered and queued by the run (reminders, digests), or handed to the SMTP server "
             "(outbox delivery, every batch until the outbox is empty).", "",
             "| job | seconds | peak RSS MB | messages | messages/s | target | what it printed |",
             "|---|---:|---:|---:|---:|---|---|"]
    for name, job in run["jobs"].items():
        said = " / ".join(job["output"][-2:]).replace("|", "\\|")
        lines.append(f"| {name} (`mindet {job['command']}`) | {job['seconds']} | {job['peak_rss_mb']} | "
                     f"{job.get('messages', '—')} | {job.get('messages_per_second', '—')} | "
                     f"{JOB_TARGETS.get(name, '—')} | {said} |")
    return lines + [""]


def _explain(results: list[dict]) -> list[str]:
    lines = ["## EXPLAIN ANALYZE, PostgreSQL national", "",
             "The slow queries as they run now and with what changed undone (bench/explain.py; each variant in a "
             "rolled-back transaction). The plan's first lines:", ""]
    for item in results:
        lines += [f"### {item['query']} — {item['variant']}: {item['execution_ms']} ms", "", "```"]
        lines += [line[:160] for line in item["plan"][:12]] + ["```", ""]
    return lines


def main() -> None:
    """Write RESULTS.md (the tables; the hand-written analysis lives in bench/ANALYSIS.md) and print changes."""
    runs = _load(HERE / "results")
    previous = _load(HERE / "results" / "previous")
    lines = ["# Benchmark results", "",
             "Made by `make bench` (bench/run.py, then this file's bench/report.py). What the figures mean, what was "
             "changed to reach them and which targets are missed: bench/ANALYSIS.md.", ""]
    for (database, scale), run in sorted(runs.items(), key=lambda item: (item[0][0], item[0][1] != "small",
                                                                         item[0][1])):
        lines += [f"## {database}, {scale}", "",
                  f"{run['date']}, commit {run['commit']}, {run['machine']}; gunicorn {run.get('workers', 2)} "
                  f"workers, concurrency {run['concurrency']}; {run['reports']:,} reports; data generated in "
                  f"{run['seed_seconds']:.0f} s; peak RSS of a web worker {run['worker_peak_rss_mb']} MB." if
                  run.get("seed_seconds") is not None else
                  f"{run['date']}, commit {run['commit']}, {run['machine']}; {run['reports']:,} reports; "
                  f"peak RSS of a web worker {run['worker_peak_rss_mb']} MB.", ""]
        if run.get("rendered"):
            lines += ["Every page rendered on every request (`TRACKER_KEPT_PAGES_MINUTES=0`): what a page costs when "
                      "nothing of it is kept, as for its first reader after a write. The SQL statements are the "
                      "rendering's.", ""]
        lines += _table(run, runs.get((database, "small")) if scale == "national" else None)
        lines.append("")
        if run.get("prepared_workbooks") and not run.get("rendered"):  # not pages: measured in the kept run
            lines += _workbooks(run["prepared_workbooks"])
        before = previous.get((database, scale))
        if before:
            old = _p95(before)
            for page, p95 in _p95(run).items():
                if old.get(page):
                    print(f"{database}/{scale} {page:30} p95 {old[page]:9.1f} → {p95:9.1f} ms  "  # noqa: T201
                          f"×{p95 / old[page]:.2f}")
    for path in sorted((HERE / "results").glob("jobs-*.json")):
        lines += _jobs(json.loads(path.read_text()))
    if (HERE / "results" / "explain.json").exists():
        lines += _explain(json.loads((HERE / "results" / "explain.json").read_text()))
    (HERE / "RESULTS.md").write_text("\n".join(lines))
    print(f"written {HERE / 'RESULTS.md'}")  # noqa: T201


if __name__ == "__main__":
    main()
