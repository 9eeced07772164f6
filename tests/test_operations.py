"""What the people who run Mindet watch: /metrics for Prometheus (token only), and log lines that carry their
request id, as JSON when asked."""

import json
import logging
import os
import re
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from prometheus_client.mmap_dict import MmapedDict

from tracker.notify.scheduler import _tick_job

from .conftest import ROOT, make_user, signed_in
from .services import free_port, stop, wait_until_up

TOKEN = "metrics-token-for-the-test"


def _scrape(client, token=TOKEN):
    return client.get("/metrics", headers={"Authorization": f"Bearer {token}"} if token else {})


def test_metrics_after_some_requests_and_one_clock_job(app, db, world):
    """Requests by endpoint and status with latency, the outbox by state and its oldest queued message, the
    clock's last beat and the tick's duration, the emails it queued, the connections in use."""
    app.config["METRICS_TOKEN"] = TOKEN
    client = signed_in(app, make_user(db, "obs@example.kz", "observer"))
    for _ in range(3):
        assert client.get("/").status_code == 200
    assert client.get("/obligations/world/9.9").status_code == 404
    _tick_job(app, threading.Event())  # what the clock runs every five minutes
    from tracker.db import make_engine
    from tracker.notify.scheduler import acquire_leadership, record_beat

    engine = make_engine(app.config["DATABASE_URL"])
    try:
        leadership = acquire_leadership(engine)
        with app.app_context():
            from tracker.db import get_session
            from tracker.timeutil import now_utc

            record_beat(get_session(), now_utc())
        leadership.release()
    finally:
        engine.dispose()
    page = _scrape(app.test_client())
    assert page.status_code == 200 and page.mimetype == "text/plain"
    text = page.get_data(as_text=True)
    assert 'mindet_http_requests_total{endpoint="catalog.instruments",method="GET",status="200"}' in text
    assert 'status="404"' in text
    assert 'mindet_http_request_duration_seconds_bucket{endpoint="catalog.instruments"' in text
    assert 'mindet_clock_job_duration_seconds_count{job="tick"}' in text
    assert 'mindet_emails_total{kind="reminder"}' in text and 'mindet_outbox_messages{status="pending"}' in text
    assert "mindet_outbox_oldest_queued_age_seconds" in text and "mindet_clock_last_beat_age_seconds" in text
    assert "mindet_db_pool_checked_out" in text


def test_metrics_are_not_public(app, client):
    """Without TRACKER_METRICS_TOKEN /metrics does not exist; with it, a missing or wrong token gets 401."""
    assert _scrape(client).status_code == 404
    app.config["METRICS_TOKEN"] = TOKEN
    assert _scrape(client, None).status_code == 401 and _scrape(client, "wrong-token-wrong").status_code == 401


def test_a_json_log_line_carries_its_request_id(app, client, capsys):
    """With TRACKER_LOG_FORMAT=json each line is a JSON object; the request's line has the X-Request-ID the proxy
    sent (echoed in the response), its route, status and duration; a request without one gets a new id."""
    from tracker import logs

    logs.configure(fmt="json", level="INFO")
    try:
        response = client.get("/login", headers={"X-Request-ID": "proxy-4f2a"})
        assert response.headers["X-Request-ID"] == "proxy-4f2a"
        fresh = client.get("/login").headers["X-Request-ID"]
        assert len(fresh) == 32 and fresh != "proxy-4f2a"
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    finally:
        logs.configure(fmt=app.config["LOG_FORMAT"], level=app.config["LOG_LEVEL"])
    mine = [line for line in lines if line.get("request_id") == "proxy-4f2a" and line["logger"] == "tracker.request"]
    assert mine and mine[0]["status"] == 200 and mine[0]["route"] == "/login" and mine[0]["duration_ms"] >= 0
    assert mine[0]["level"] == "INFO" and "time" in mine[0]
    assert logging.getLogger().level == logging.INFO


@pytest.mark.deep
@pytest.mark.real_clock
def test_metrics_sum_every_gunicorn_worker(app, db, world, tmp_path):
    """gunicorn with the production configuration and two workers: /metrics counts the requests every worker
    answered (prometheus-client's multiprocess mode), not only those of the worker that answers the scrape."""
    port = free_port()
    metrics_dir = tmp_path / "metrics"
    environment = {**os.environ, "TRACKER_DATABASE_URL": app.config["DATABASE_URL"], "TRACKER_SECRET_KEY": "m",
                   "TRACKER_METRICS_TOKEN": TOKEN, "MINDET_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2",
                   "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "TRACKER_EVIDENCE_DIR": str(tmp_path / "e")}
    gunicorn = Path(sys.executable).parent / "gunicorn"
    node = subprocess.Popen([str(gunicorn), "--config", str(ROOT / "tracker/deploy/gunicorn.conf.py"),
                             "tracker:create_app()"], env=environment, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/health", node)
        sent = 0
        # Concurrent new connections until both workers have answered some: the kernel hands accepted sockets to
        # whichever worker is free, so one fast worker can take a whole serial run by itself.
        with ThreadPoolExecutor(max_workers=8) as pool:
            while len(_workers_that_answered_login(metrics_dir)) < 2 and sent < 800:
                answers = list(pool.map(lambda _: requests.get(f"{base}/login", timeout=10).status_code, range(40)))
                assert answers == [200] * 40
                sent += 40
        scrape = requests.get(f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    finally:
        stop(node)
    assert scrape.status_code == 200
    counted = re.search(r'mindet_http_requests_total\{endpoint="auth.login",method="GET",status="200"\} (\S+)',
                        scrape.text)
    assert len(_workers_that_answered_login(metrics_dir)) == 2
    assert counted and float(counted.group(1)) == sent  # the sum over both workers, not one worker's share


def _workers_that_answered_login(metrics_dir):
    """The files (one per worker process) in prometheus-client's multiprocess folder that counted a GET /login."""
    return {path.name for path in metrics_dir.glob("counter_*.db")
            if any('"auth.login"' in key for key, *_ in MmapedDict.read_all_values_from_file(str(path)))}
