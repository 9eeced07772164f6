"""gunicorn's settings for Mindet in production: the Procfile and the systemd unit start it with
`gunicorn --config tracker/deploy/gunicorn.conf.py "tracker:create_app()"`. Each value can be changed by the
environment variable named beside it."""

import multiprocessing
import os
import tempfile
from pathlib import Path

#: /metrics sums every worker (and the clock on this host, given the same folder): prometheus-client's
#: multiprocess mode keeps each process's figures in this folder
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(Path(tempfile.gettempdir()) / "mindet-metrics"))
Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)

#: where to listen: behind the reverse proxy, on loopback
bind = os.environ.get("MINDET_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
#: two per core plus one (gunicorn's advice for synchronous workers that wait on the database)
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
#: the slowest answer is the national overdue workbook (about 11 s alone in the benchmark, several times that with
#: four downloads at once): a worker is killed only far beyond it
timeout = int(os.environ.get("MINDET_TIMEOUT", 120))
#: a stop (SIGTERM) lets requests in progress finish for this long
graceful_timeout = 30
keepalive = 5
#: a worker is replaced after this many requests, so that no slow leak grows for weeks
max_requests = 2000
max_requests_jitter = 200
#: the access log on standard output (journald keeps it), with the request id and the time taken in microseconds
accesslog = os.environ.get("MINDET_ACCESS_LOG", "-")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s" request_id=%({x-request-id}o)s'
errorlog = "-"
loglevel = os.environ.get("TRACKER_LOG_LEVEL", "info").lower()
#: the reverse proxy's address: X-Forwarded-For and -Proto are believed from it only
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker):
    """A worker with its app loaded compiles its templates and reads its translations, then keeps all it loaded out
    of the garbage collector's full collections."""
    from tracker.runtime import freeze_what_started, warm

    warm(worker.wsgi)
    freeze_what_started()


def child_exit(_server, worker):
    """A worker that ended no longer counts in the gauges summed over live processes."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
