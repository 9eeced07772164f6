"""`mindet serve`: the web server and the clock together in the foreground, as `make run` starts them.

Ctrl-C stops both and the command exits 0 without an error. The two processes run in a process group of their
own that becomes the terminal's foreground group, so that Ctrl-C reaches them (each stops cleanly: gunicorn
finishes its requests, the clock releases its lock) and not `make`, which would otherwise die of the signal and
report it. A clock that stops on its own is said loudly; the web keeps serving.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext


@contextlib.contextmanager
def _foreground():
    """This process's own group in the terminal's foreground for the duration (nothing without a terminal)."""
    try:
        terminal = os.open("/dev/tty", os.O_RDWR)
    except OSError:
        yield
        return
    previous = os.tcgetpgrp(terminal)
    if os.getpgrp() != os.getpid():  # not yet a group of its own (under make); a session leader already is
        os.setpgid(0, 0)
    with _ignoring(signal.SIGTTOU):  # a background group may not hand the terminal over without this
        os.tcsetpgrp(terminal, os.getpgrp())
    try:
        yield
    finally:
        with _ignoring(signal.SIGTTOU), contextlib.suppress(OSError):
            os.tcsetpgrp(terminal, previous)
        os.close(terminal)


@contextlib.contextmanager
def _ignoring(signum):
    old = signal.signal(signum, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signum, old)


@click.command("serve")
@click.option("--port", default=5000, show_default=True, help="Port of the web server on 127.0.0.1.")
@click.option("--workers", default=2, show_default=True, help="gunicorn worker processes.")
@with_appcontext
def serve_command(port: int, workers: int):
    """Serve the web (gunicorn) and run the clock until Ctrl-C; the clock's log goes to clock.log in the
    instance folder."""
    log_path = Path(current_app.instance_path) / "clock.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    bin_dir = Path(sys.executable).parent
    with _foreground(), open(log_path, "a") as log:
        clock = subprocess.Popen([str(bin_dir / "mindet"), "scheduler", "run"], stdout=log, stderr=subprocess.STDOUT)
        web = subprocess.Popen([str(bin_dir / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
                                "--access-logfile", "-", "tracker:create_app()"])
        click.echo(f"Mindet is running at http://127.0.0.1:{port}/  (Ctrl-C stops web and clock; "
                   f"the clock's log: {log_path})")
        signal.signal(signal.SIGTERM, _interrupt)  # systemd or a supervisor stops it as Ctrl-C does
        try:
            _watch(web, clock, log_path)
        except KeyboardInterrupt:
            pass
        finally:
            for process in (web, clock):
                if process.poll() is None:
                    process.send_signal(signal.SIGINT)  # gunicorn: quick stop; the clock: finish the message
            for process in (web, clock):
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=20)
                if process.poll() is None:
                    process.kill()
    click.echo("Mindet stopped.")


def _interrupt(_signum, _frame):
    raise KeyboardInterrupt


def _watch(web: subprocess.Popen, clock: subprocess.Popen, log_path: Path) -> None:
    said = False
    while web.poll() is None:
        if clock.poll() is not None and not said:
            click.secho(f"\n*** The clock stopped (exit {clock.returncode}): reminders and digests are not sent. "
                        f"See {log_path} ***\n", fg="red", err=True)
            said = True
        time.sleep(0.5)
    if web.returncode not in (0, None):
        raise click.ClickException(f"the web server stopped (exit {web.returncode}); see the messages above")
