"""/metrics in Prometheus's format: requests by endpoint and status with their latency, the outbox by state and the
age of its oldest queued message, the clock's last beat and its jobs' durations, the emails the clock queued and
sent, and the database connections in use.

Counters live in each process; under gunicorn (and beside the clock on the same host) they are summed over every
process through prometheus-client's multiprocess mode when PROMETHEUS_MULTIPROC_DIR is set (the gunicorn
configuration and the systemd units set it). Figures kept in the database are read when Prometheus scrapes.
/metrics is not public: it answers only a request with `Authorization: Bearer $TRACKER_METRICS_TOKEN`, and does
not exist without that setting.
"""

from __future__ import annotations

import hmac
import os
import time
from datetime import datetime

from flask import Flask, Response, abort, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func
from sqlmodel import Session, select

from tracker.models import ClockBeat, OutboxMessage
from tracker.timeutil import now_utc

REQUESTS = Counter("mindet_http_requests_total", "HTTP requests answered", ["endpoint", "method", "status"])
LATENCY = Histogram("mindet_http_request_duration_seconds", "Time to answer a request", ["endpoint"],
                    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))
JOB_SECONDS = Histogram("mindet_clock_job_duration_seconds", "Time a clock job took", ["job"],
                        buckets=(0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600))
JOB_LAST = Gauge("mindet_clock_job_last_success_timestamp_seconds", "When a clock job last ended without error",
                 ["job"], multiprocess_mode="max")
EMAILS = Counter("mindet_emails_total", "Emails the clock queued (reminders, digests) or the outbox sent", ["kind"])
POOL = Gauge("mindet_db_pool_checked_out", "Database connections in use (per process, summed)",
             multiprocess_mode="livesum")


def clock_job_done(job: str, seconds: float, counts: dict) -> None:
    """A clock job ended: its duration, and the emails it queued or sent."""
    JOB_SECONDS.labels(job).observe(seconds)
    JOB_LAST.labels(job).set(time.time())
    EMAILS.labels("reminder").inc(counts.get("reminders", 0))
    EMAILS.labels("digest").inc(sum(n for key, n in counts.items() if key.startswith("digest")))
    EMAILS.labels("sent").inc(counts.get("sent", 0))
    EMAILS.labels("failed").inc(counts.get("failed", 0))


class DatabaseFigures:
    """What the database knows, read at each scrape: the outbox by state, its oldest queued message, the clock's
    last beat."""

    def __init__(self, engine, now: datetime):
        self.engine, self.now = engine, now

    def collect(self):
        """The gauges, from three small queries."""
        with Session(self.engine) as session:
            by_status = dict(session.exec(select(OutboxMessage.status, func.count())
                                          .group_by(OutboxMessage.status)).all())
            oldest = session.exec(select(func.min(OutboxMessage.created_at))
                                  .where(OutboxMessage.status.in_(("pending", "retrying", "sending")))).one()
            beat = session.get(ClockBeat, 1)
        outbox = GaugeMetricFamily("mindet_outbox_messages", "Messages in the outbox by state", labels=["status"])
        for status in ("pending", "sending", "retrying", "failed", "sent"):
            outbox.add_metric([status], by_status.get(status, 0))
        yield outbox
        yield GaugeMetricFamily("mindet_outbox_oldest_queued_age_seconds", "Age of the oldest message not yet sent",
                                value=(self.now - oldest).total_seconds() if oldest else 0)
        if beat is not None:
            yield GaugeMetricFamily("mindet_clock_last_beat_age_seconds", "Seconds since the clock's last beat",
                                    value=(self.now - beat.beat_at).total_seconds())


class _ThisProcess:
    """The default registry's metrics, when gunicorn's workers are not summed (no PROMETHEUS_MULTIPROC_DIR)."""

    def collect(self):
        return REGISTRY.collect()


def _record(response):
    started = g.get("request_started")
    endpoint = request.endpoint or "unknown"
    if started is not None and endpoint != "metrics":
        REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
        LATENCY.labels(endpoint).observe(time.perf_counter() - started)
    return response


def _pool_in_use(_exception=None) -> None:
    engine = current_app.extensions.get("engine")
    if engine is not None and hasattr(engine.pool, "checkedout"):
        POOL.set(engine.pool.checkedout())


def metrics() -> Response:
    """The metrics, for a scraper with the token."""
    token = current_app.config.get("METRICS_TOKEN")
    if not token:
        abort(404)
    scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(sent.strip().encode(), token.encode()):
        return Response("A bearer token is required (TRACKER_METRICS_TOKEN).\n", 401,
                        {"WWW-Authenticate": 'Bearer realm="metrics"'}, mimetype="text/plain")
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(DatabaseFigures(current_app.extensions["engine"], now_utc()))
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


def init_app(app: Flask) -> None:
    """Count every request; serve /metrics (token only)."""
    app.after_request(_record)
    app.teardown_appcontext(_pool_in_use)
    app.add_url_rule("/metrics", "metrics", metrics)
