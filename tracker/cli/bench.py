"""Command line for the benchmark's data: `mindet bench seed`."""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext

from tracker import scale
from tracker.cli.common import database_errors, fail
from tracker.db import get_session
from tracker.timeutil import today_almaty


@click.group("bench")
def bench_group():
    """Generated data for the benchmark (bench/)."""


@bench_group.command("seed")
@click.option("--scale", "size", type=click.Choice(["small", "national"]), default="small", show_default=True,
              help="national ≈ 100 instruments, 15,000 obligations, 1,000,000 status updates; small = a tenth.")
@click.option("--seed", "seed_value", default=1, show_default=True, help="The same seed gives the same data.")
@with_appcontext
def bench_seed(size: str, seed_value: int):
    """Fill an empty, migrated database with realistic generated data (every account's password is printed)."""
    session = get_session()
    started = time.perf_counter()
    with click.progressbar(length=scale.Scale.named(size).instruments, label="instruments",
                           show_pos=True) as bar:
        def progress(step, n):
            if step == "instruments":
                bar.update(1)
        try:
            with database_errors():
                counts = scale.seed(session, scale.Scale.named(size), today=today_almaty(), seed_value=seed_value,
                                    progress=progress)
                session.commit()
                scale.analyze(session)
        except ValueError as exc:
            session.rollback()
            fail(f"Nothing generated: {exc}")
    click.echo(f"Generated in {time.perf_counter() - started:.0f} s: " +
               ", ".join(f"{table} {n:,}" for table, n in counts.items()))
    click.echo(f"Every account's password: {scale.PASSWORD!r} (e.g. secretary1@bench.mindet.kz, "
               "focal_point…@bench.mindet.kz).")
