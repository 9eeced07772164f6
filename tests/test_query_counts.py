"""Every page's number of SQL statements is bounded and does not grow with the data: the same pages on two
generated databases, one three times the size of the other, run the same number of queries — and each response
says how many in its Server-Timing header, which the benchmark records at national scale."""

from sqlalchemy import event, make_url

from bench import scale
from tracker import create_app, migrate

from .conftest import NOW, PG_URL, ROADMAPS, WORKER, _postgres_copy, csrf_token

PAGES = ["/", "/overdue", "/overdue?page=2", "/dashboard", "/dashboard/instruments", "/review", "/audit", "/public/",
         "/search?q=2.1", "/instruments/bench-general-001", "/instruments/bench-general-001/dashboard",
         "/obligations/bench-general-001/1.1", "/reports", "/account/calendar"]


def _instance(url: str, tmp_path, instruments: int):
    """An app on a migrated database filled with `instruments` generated instruments."""
    migrate.upgrade(url)
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": url, "ROADMAPS_DIR": ROADMAPS,
                      "EVIDENCE_DIR": tmp_path / "evidence", "LOGIN_RATE_LIMIT": "1000 per minute"})
    from sqlmodel import Session

    with Session(app.extensions["engine"]) as session:
        scale.seed(session, scale.Scale(instruments=instruments, obligations_per_instrument=8, organizations=24,
                                        users=40), today=NOW.date(), seed_value=5)
        session.commit()
    return app


def _counts(app) -> dict[str, int]:
    client = app.test_client()
    client.post("/login", data={"email": "secretary1@bench.mindet.kz", "password": scale.PASSWORD,
                                "csrf_token": csrf_token(client, "/login")})
    statements = []
    event.listen(app.extensions["engine"], "before_cursor_execute", lambda *args: statements.append(1))
    counts = {}
    for page in PAGES:
        before = len(statements)
        response = client.get(page)
        assert response.status_code == 200, page
        counts[page] = len(statements) - before
        # the response says the same (Server-Timing, what the benchmark reads at national scale)
        assert f'desc="{counts[page]} queries"' in response.headers["Server-Timing"], page
    return counts


def test_query_counts_do_not_grow_with_the_data(tmp_path):
    """2 and 6 generated instruments (1 and 2 of them public): each page runs exactly as many queries on both, and
    none more than 40 (the public index ran 2 per public instrument before it counted them all in two)."""
    urls = []
    for name in ("one", "three"):
        if PG_URL:
            urls.append(_postgres_copy(None, f"{make_url(PG_URL).database}_{name}_{WORKER}"))
        else:
            (tmp_path / name).mkdir()
            urls.append(f"sqlite:///{tmp_path / name / 'mindet.sqlite3'}")
    small = _instance(urls[0], tmp_path / "one", 2)
    large = _instance(urls[1], tmp_path / "three", 6)
    try:
        fewer, more = _counts(small), _counts(large)
    finally:
        for app in (small, large):
            app.extensions["engine"].dispose()
    assert more == fewer
    assert max(fewer.values()) <= 40, fewer  # and each page's count is small
