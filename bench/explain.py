"""EXPLAIN ANALYZE of the slow queries at national scale, as they run and as they ran before what bench/ANALYSIS.md
says was changed: without planner statistics (before `ANALYZE` after bulk loads) and without the index on report
status (before migration 0010). Each variant runs inside a transaction that is rolled back: nothing changes.

    python bench/explain.py --database-url postgresql+psycopg://postgres@127.0.0.1/bench_national

Writes bench/results/explain.json; bench/report.py adds the plans' summaries to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

from sqlalchemy import event, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: what made the plans different, undone for the "before" runs (inside a rolled-back transaction)
VARIANTS = {
    "now": [],
    "without planner statistics": ["DELETE FROM pg_statistic WHERE starelid IN ('report'::regclass, "
                                   "'checkpoint'::regclass, 'obligation'::regclass, 'status_update'::regclass)"],
    "without ix_report_status": ["DROP INDEX ix_report_status"],
}


def _statements(app) -> dict[str, tuple[str, dict]]:
    """The SQL of the pages' slow queries, captured as the app runs them (statement and parameters)."""
    from tracker.as_of import Moment
    from tracker.db import get_session
    from tracker.insight.figures import checkpoint_states, on_time_rates
    from tracker.insight.overdue import Filters, overdue_page
    from tracker.periods import Period
    from tracker.timeutil import today_almaty

    captured: list[tuple[str, dict]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        captured.append((statement, parameters))

    wanted = {}
    with app.app_context():
        engine = app.extensions["engine"]
        session, today = get_session(), today_almaty()
        quarter = Period.containing(today, "quarterly").previous()
        for name, run in (
                ("checkpoint states (home, dashboards)", lambda: checkpoint_states(session, Moment.today(today))),
                ("on-time rates (dashboard league)", lambda: on_time_rates(
                    session, Moment.today(today), instrument_ids=None, start=quarter.starts_on, end=quarter.ends_on)),
                ("overdue view, page 1", lambda: overdue_page(session, Filters(), Moment.today(today)))):
            captured.clear()
            event.listen(engine, "before_cursor_execute", capture)
            run()
            event.remove(engine, "before_cursor_execute", capture)
            wanted[name] = max(captured, key=lambda item: len(item[0]))  # the big one of the few it runs
    return wanted


def main() -> None:
    """Explain each query in each variant and write the results."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    options = parser.parse_args()
    os.environ["TRACKER_DATABASE_URL"] = options.database_url
    from tracker import create_app

    app = create_app()
    results = []
    for name, (statement, parameters) in _statements(app).items():
        for variant, undo in VARIANTS.items():
            with app.extensions["engine"].connect() as connection:
                for command in undo:
                    connection.execute(text(command))
                raw = connection.connection.driver_connection
                plan = [row[0] for row in raw.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)]
                connection.rollback()
            took = next((float(m.group(1)) for line in plan if (m := re.search(r"Execution Time: ([\d.]+)", line))),
                        None)
            results.append({"query": name, "variant": variant, "execution_ms": took, "plan": plan})
            print(f"{name:40} {variant:28} {took:10.1f} ms", flush=True)  # noqa: T201
    (ROOT / "bench" / "results" / "explain.json").write_text(json.dumps(results, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
