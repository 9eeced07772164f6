"""Real services for the tests that cross processes: free ports, web nodes run by gunicorn, an S3 server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def unavailable(reason: str):
    """Skip the test for a missing service, except in CI, where a missing service is a failure."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI needs it")
    pytest.skip(reason)


def start_node(environment: dict[str, str]) -> tuple[subprocess.Popen, str]:
    """A gunicorn web node (one worker) on its own loopback port, with TRACKER_* settings from `environment`;
    started, not yet necessarily answering (see `wait_until_up`)."""
    port = free_port()
    node = subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                             "tracker:create_app()"], env={**os.environ, **environment},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return node, f"http://127.0.0.1:{port}"


def wait_until_up(base: str, process: subprocess.Popen | None = None, seconds: float = 20) -> None:
    """Wait until the server at `base` answers HTTP (any status); fail if it exits or stays silent."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the server for {base} exited with {process.returncode}")
        try:
            urllib.request.urlopen(base, timeout=1)  # noqa: S310 — loopback
            return
        except urllib.error.HTTPError:
            return  # it answered
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"the server at {base} did not start within {seconds} s")


def stop(process: subprocess.Popen) -> None:
    """Terminate a server process and reap it."""
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def start_s3_server() -> tuple[subprocess.Popen, str]:
    """moto's S3-compatible HTTP server on a free loopback port, in its own process; its endpoint URL."""
    executable = shutil.which("moto_server", path=str(Path(sys.executable).parent)) or shutil.which("moto_server")
    if executable is None:
        unavailable("moto_server is not installed (pip install -e '.[test]')")
    port = free_port()
    process = subprocess.Popen([executable, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(endpoint, process)
    except AssertionError as exc:
        stop(process)
        unavailable(f"the S3 server (moto_server) did not start: {exc}")
    return process, endpoint
