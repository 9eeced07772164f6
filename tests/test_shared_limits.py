"""Two web nodes share one sign-in limit when the counts live in Redis (as on a national deployment)."""

import http.cookiejar
import os
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest

from .conftest import WORKER, make_user
from .services import start_node, stop, wait_until_up

LIMIT = 5
#: a Redis database of its own for each test worker (Redis runs on this machine: see the README)
_WORKER_NUMBER = int(re.sub(r"\D", "", WORKER) or 0)
REDIS_URL = f"redis://127.0.0.1:6379/{8 + _WORKER_NUMBER % 8}"


def _redis_or_skip():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.flushdb()
    except redis.ConnectionError:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at {REDIS_URL}; CI needs it (start redis-server)")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")


def _failed_sign_ins(bases: list[str], attempts: int) -> list[int]:
    """Wrong-password sign-ins, alternating between the nodes, with one session and CSRF token; their statuses."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(f"{bases[0]}/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"csrf_token": token, "email": "sec@example.kz", "password": "wrong"}).encode()
    statuses = []
    for attempt in range(attempts):
        try:
            statuses.append(opener.open(f"{bases[attempt % len(bases)]}/login", data=body).status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)
    return statuses


@pytest.mark.deep
@pytest.mark.real_clock
@pytest.mark.parametrize("storage", ["redis", "memory://"])
def test_two_nodes_share_the_sign_in_limit_through_redis(app, db, world, tmp_path, storage):
    """With Redis the limit holds across both nodes: attempt LIMIT+1 is refused whichever node gets it; with
    memory:// (one count per process) each node allows its own LIMIT, which is why Redis is the setting for
    several nodes."""
    if storage == "redis":
        _redis_or_skip()
        storage = REDIS_URL
    make_user(db, "sec@example.kz", "secretary", instruments=["world"])
    db.close()
    settings = {"TRACKER_DATABASE_URL": app.config["DATABASE_URL"], "TRACKER_SECRET_KEY": "shared-test-secret",
                "TRACKER_RATELIMIT_STORAGE": storage, "TRACKER_LOGIN_RATE_LIMIT": f"{LIMIT} per minute",
                "TRACKER_EVIDENCE_DIR": str(tmp_path / "evidence")}
    nodes = [start_node(settings) for _ in range(2)]
    try:
        for node, base in nodes:
            wait_until_up(f"{base}/health", node)
        statuses = _failed_sign_ins([base for _, base in nodes], 2 * LIMIT + 2)
    finally:
        for node, _ in nodes:
            stop(node)
    allowed = sum(status != 429 for status in statuses)
    assert allowed == (LIMIT if storage.startswith("redis") else 2 * LIMIT), statuses
