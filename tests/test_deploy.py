"""The operators' kit: the gunicorn configuration loads with timeouts sized to the slowest export, and the systemd
units of web and clock pass `systemd-analyze verify`."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

DEPLOY = ROOT / "tracker" / "deploy"
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")


@pytest.mark.deep  # starts gunicorn: in the deep tier
def test_the_gunicorn_configuration_loads_with_its_timeouts_and_access_log(monkeypatch, tmp_path):
    """`gunicorn --check-config` accepts it with the app; a worker is killed only long after the slowest download
    (about 11 s at national scale), and requests are logged."""
    gunicorn = Path(sys.executable).parent / "gunicorn"
    checked = subprocess.run([str(gunicorn), "--check-config", "--config", str(DEPLOY / "gunicorn.conf.py"),
                              "tracker:create_app()"], capture_output=True, text=True, timeout=60, cwd=ROOT,
                             env={**os.environ, "TRACKER_SECRET_KEY": "check", "TRACKER_DATABASE_URL": "sqlite://"})
    assert checked.returncode == 0, checked.stderr[-2000:]
    settings = {}
    # the file sets PROMETHEUS_MULTIPROC_DIR for gunicorn's workers: not for this test process
    monkeypatch.setattr(os, "environ", {**os.environ, "TMPDIR": str(tmp_path)})
    exec((DEPLOY / "gunicorn.conf.py").read_text(), settings)  # noqa: S102 — our own configuration file
    assert settings["timeout"] >= 60 and settings["graceful_timeout"] >= 10 and settings["accesslog"] == "-"
    assert settings["workers"] >= 3 and settings["bind"].startswith("127.0.0.1:")


_WORKER_STARTS = """
import gc, os, tempfile
from types import SimpleNamespace
from tracker import create_app
app = create_app({"SECRET_KEY": "check", "DATABASE_URL": "sqlite://"})
os.environ["TMPDIR"] = tempfile.mkdtemp()
settings = {}
exec(open(os.environ["CONFIG"]).read(), settings)
loaded = len(gc.get_objects())
compiled_before = len(app.jinja_env.cache)
settings["post_worker_init"](SimpleNamespace(wsgi=app))  # gunicorn's worker, with the app it loaded
pages = app.jinja_env.list_templates(filter_func=lambda name: name.endswith(".html"))
from tracker.web.kept import code_digest
print(loaded, len(gc.get_objects()), gc.get_freeze_count(), compiled_before, len(app.jinja_env.cache), len(pages),
      code_digest.cache_info().currsize)
"""


def test_a_web_worker_compiles_its_templates_and_keeps_its_loaded_app_out_of_full_collections():
    """Once a gunicorn worker has loaded the app, it compiles every template before its first request (the first
    person to open a page on each worker waited for it), and the objects it loaded are frozen: a full collection in
    the middle of a page walks only what requests create (it walked some 230,000 objects and cost that page
    100–200 ms)."""
    started = subprocess.run([sys.executable, "-c", _WORKER_STARTS], capture_output=True, text=True, timeout=120,
                             cwd=ROOT, env={**os.environ, "CONFIG": str(DEPLOY / "gunicorn.conf.py")})
    assert started.returncode == 0, started.stderr[-2000:]
    loaded, still_walked, frozen, compiled_before, compiled, pages, digested = map(int, started.stdout.split())
    assert loaded > 50_000 and frozen >= loaded * 0.9 and still_walked < loaded / 100
    assert compiled_before == 0 and compiled == pages > 50 and digested == 1


@pytest.mark.skipif(SYSTEMD_ANALYZE is None and not os.environ.get("CI"), reason="systemd-analyze is not installed")
def test_the_systemd_units_pass_systemd_analyze_verify(tmp_path):
    """Both units verify once their paths point at a real checkout; a unit with a broken ExecStart does not (so the
    check can fail)."""
    units = []
    for name in ("mindet-web.service", "mindet-clock.service"):
        unit = tmp_path / name
        unit.write_text((DEPLOY / name).read_text().replace("/srv/mindet", str(ROOT)))
        units.append(str(unit))
    verified = subprocess.run([SYSTEMD_ANALYZE, "verify", *units], capture_output=True, text=True, timeout=60)
    assert verified.returncode == 0, verified.stderr
    broken = tmp_path / "broken.service"
    broken.write_text((DEPLOY / "mindet-clock.service").read_text().replace("/srv/mindet/.venv/bin/mindet",
                                                                              "relative/mindet"))
    assert subprocess.run([SYSTEMD_ANALYZE, "verify", str(broken)], capture_output=True, timeout=60).returncode != 0


def test_postgresql_plans_without_parallel_workers(app, db):
    """Every PostgreSQL connection of the app plans a page's statements without parallel workers (starting one
    cost more than it saved, on cores other requests need)."""
    from sqlalchemy import text

    if not app.config["DATABASE_URL"].startswith("postgresql"):
        pytest.skip("SQLite has no parallel workers to start")
    with app.extensions["engine"].connect() as connection:
        assert connection.execute(text("SHOW max_parallel_workers_per_gather")).scalar() == "0"
