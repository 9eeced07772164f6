"""`mindet serve` (what `make run` ends with): web and clock up, Ctrl-C on the terminal stops both, exit 0,
no error printed, the clock's log in the instance folder that TRACKER_INSTANCE_PATH names."""

import os
import pty
import select
import signal
import time
import urllib.request
from pathlib import Path

import pytest

from .services import free_port


def _read(fd, seconds: float) -> bytes:
    out, deadline = b"", time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                data = os.read(fd, 4096)
            except OSError:
                break
            if not data:
                break
            out += data
    return out


def _stop_by_ctrl_c(fd: int, _pid: int) -> None:
    os.write(fd, b"\x03")


def _stop_by_sigterm(_fd: int, pid: int) -> None:
    os.kill(pid, signal.SIGTERM)  # what systemd or a supervisor sends


def _serve_then_stop(environment: dict, stop, settle: float) -> tuple[float, int, str]:
    """`mindet serve` in a terminal of its own until /health answers and the clock has started, `settle` seconds
    more, then `stop`: (seconds
    it took to stop, exit status, what the terminal showed)."""
    port = free_port()
    mindet = os.path.join(os.path.dirname(os.sys.executable), "mindet")
    pid, fd = pty.fork()
    if pid == 0:  # the child: a terminal session running the command, as a person at a shell would
        os.execve(mindet, [mindet, "serve", "--port", str(port), "--workers", "1"], environment)
    output = b""
    for _ in range(150):
        output += _read(fd, 0.2)
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1)  # noqa: S310 — loopback
            break
        except OSError:
            continue
    else:
        raise AssertionError(output.decode(errors="replace"))
    # the clock starts beside the web, its app loaded on its own: on a busy machine it is up a while after /health
    clock_log = Path(environment["TRACKER_INSTANCE_PATH"]) / "clock.log"
    for _ in range(300):
        if clock_log.exists() and "clock started" in clock_log.read_text():
            break
        output += _read(fd, 0.1)
    time.sleep(settle)
    stopped_at = time.monotonic()
    stop(fd, pid)
    output += _read(fd, 30)
    _, status = os.waitpid(pid, 0)
    return time.monotonic() - stopped_at, os.waitstatus_to_exitcode(status), output.decode(errors="replace")


@pytest.mark.deep  # two real servers started and stopped: seven seconds of the everyday minute
@pytest.mark.real_clock
@pytest.mark.parametrize("stop", [_stop_by_ctrl_c, _stop_by_sigterm], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_stops_web_and_clock_cleanly(app, world, tmp_path, stop):
    """Ctrl-C on the terminal, or SIGTERM, stops web and clock: exit 0 within 5 s, no error, the clock's log says
    it stopped (it released its lock)."""
    instance = tmp_path / "elsewhere"
    environment = {**os.environ, "TRACKER_DATABASE_URL": app.config["DATABASE_URL"],
                   "TRACKER_INSTANCE_PATH": str(instance), "TRACKER_SECRET_KEY": "test"}
    seconds, status, text = _serve_then_stop(environment, stop, settle=1)  # the clock's first beat
    assert seconds < 5
    assert status == 0, text
    assert "Mindet stopped." in text and "Traceback" not in text and "Error" not in text
    log = (instance / "clock.log").read_text()
    assert "clock started" in log and "clock stopped" in log


@pytest.mark.deep  # the demo's history and two servers: the deep tier
@pytest.mark.real_clock
def test_ctrl_c_on_the_demo_stops_within_seconds(app, runner, synced, tmp_path):
    """`make run`'s data (the roadmaps and `demo seed`): Ctrl-C right after the clock's first beat stops web and
    clock within 5 s (issue 22: the demo's first tick had 1,133 reminders for the secretary and the clock ran on for
    20 s after the web server stopped)."""
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    # reminders at any hour (on a working day in Almaty), so that the first tick has the demo's reminders to work on
    environment = {**os.environ, "TRACKER_DATABASE_URL": app.config["DATABASE_URL"], "TRACKER_SEND_HOUR": "0",
                   "TRACKER_INSTANCE_PATH": str(tmp_path / "instance"), "TRACKER_SECRET_KEY": "test",
                   "TRACKER_MAIL_BACKEND": "console"}
    seconds, status, text = _serve_then_stop(environment, _stop_by_ctrl_c, settle=2)  # the first tick under way
    assert seconds < 5, text[-2000:]
    assert status == 0
