"""`mindet rating freeze|show`: the public rating of commissions, frozen per quarter (the clock freezes the quarter
just over by itself; this command fills in earlier quarters or shows one)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from tracker.as_of import Moment
from tracker.cli.common import fail
from tracker.db import get_session
from tracker.insight import rating
from tracker.periods import Period
from tracker.timeutil import now_utc, today_almaty


def _quarter(label: str | None) -> Period:
    today = today_almaty()
    if not label:
        return Moment.today(today).last_complete_quarter()
    try:
        quarter = Period.parse(label)
    except ValueError:
        quarter = None
    if quarter is None or "Q" not in quarter.label:
        fail(f"«{label}» is not a quarter: write it as 2026-Q3.")
    return quarter


@click.group("rating")
def rating_group():
    """The rating of commissions (public at /public/rating)."""


@rating_group.command("freeze")
@click.option("--quarter", help="A quarter that is over, e.g. 2026-Q2 (default: the last one over).")
@with_appcontext
def rating_freeze(quarter):
    """Compute and store every commission's figures for a quarter that is over; stored figures never change."""
    period, today = _quarter(quarter), today_almaty()
    if period.ends_on >= today:
        fail(f"{period.label} is not over yet: a quarter is frozen after its last day.")
    session = get_session()
    stored = rating.freeze(session, period, today, now_utc())
    session.commit()
    click.echo(f"{period.label}: {stored} commission(s) frozen now; the others were frozen before.")


@rating_group.command("show")
@click.option("--quarter", help="e.g. 2026-Q3 (default: the last one over).")
@with_appcontext
def rating_show(quarter):
    """Print the rating of a quarter: place, index, and the five figures of each commission."""
    period = _quarter(quarter)
    for place, rated in enumerate(rating.rating(get_session(), period, today_almaty()), start=1):
        f = rated.figures
        click.echo(f"{place:>3}. {rated.commission.key:<28} index {f.index if f.index is not None else '—':>5}  "
                   f"done {f.checkpoints_done}/{f.checkpoints_due}  on time {f.reports_on_time}/{f.reports_due}  "
                   f"overdue/org {f.overdue_per_organization}  decisions {f.decisions_on_time}/{f.decisions_due}  "
                   f"meetings {f.meetings_held}/{f.meetings_planned}{'' if rated.frozen else '  (not frozen)'}")
