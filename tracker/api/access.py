"""How an API request is let in: its token (never the sign-in cookie), its scope, its rate-limit key; and the
ETag of what it reads."""

from __future__ import annotations

import hashlib

from flask import current_app, g, request

from tracker.api.problems import Problem
from tracker.db import get_session
from tracker.people import tokens
from tracker.timeutil import now_utc

READS = ("GET", "HEAD", "OPTIONS")


def token_key() -> str:
    """The rate limit's key: the token (hashed), whatever address it comes from; the address without one."""
    header = request.headers.get("Authorization", "")
    return "api:" + (hashlib.sha256(header.encode()).hexdigest()[:24] if header else request.remote_addr or "-")


def authenticate():
    """Every API request carries a token; a session cookie never authenticates it (so CSRF cannot apply)."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Problem(401, "Send a personal access token: Authorization: Bearer mdt_… (account page → tokens).")
    session = get_session()
    found = tokens.authenticate(session, secret.strip(), now_utc())
    if found is None:
        session.rollback()
        raise Problem(401, "This token is unknown, revoked or expired: create a new one on the account page.")
    g._login_user, g.api_token = found  # the token's owner is this request's user, for every permission check
    g.pop("access", None)
    if session.dirty:
        session.commit()  # last_used_at
    if request.method not in READS and g.api_token.scope != "write":
        raise Problem(403, "This token may only read: create a read-write token to post updates.")


def conditional(response):
    """Reads carry an ETag of their body; a client sending it back in If-None-Match gets 304."""
    if request.method == "GET" and response.status_code == 200 and response.mimetype == "application/json":
        response.add_etag()
        response.make_conditional(request)
    response.headers.setdefault("Cache-Control", "private, no-cache")
    return response


def rate_limit() -> str:
    """The per-token limit of this app (TRACKER_API_RATE_LIMIT)."""
    return current_app.config["API_RATE_LIMIT"]
