"""The clock process (Procfile `clock`): APScheduler in its own process, never inside web workers."""

from __future__ import annotations

import logging

from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import text

from . import create_app
from .db import get_engine
from .timeutil import ALMATY

log = logging.getLogger(__name__)


def heartbeat(app) -> None:
    """Log that the clock is alive and can reach the database."""
    with app.app_context(), get_engine().connect() as connection:
        connection.execute(text("SELECT 1"))
    log.info("clock alive; database reachable")


def build_scheduler(app) -> BlockingScheduler:
    """The clock's jobs. Reminders and digests will be driven by database state, so restarts lose nothing."""
    scheduler = BlockingScheduler(timezone=ALMATY)
    scheduler.add_job(heartbeat, "interval", minutes=15, args=[app], id="heartbeat", replace_existing=True,
                      coalesce=True, max_instances=1)
    return scheduler


def main() -> None:
    """Start the clock and block."""
    app = create_app()
    heartbeat(app)
    log.info("clock started (Asia/Almaty)")
    try:
        build_scheduler(app).start()
    except (KeyboardInterrupt, SystemExit):
        log.info("clock stopped")


if __name__ == "__main__":
    main()
