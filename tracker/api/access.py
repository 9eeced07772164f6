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
#: a JSON body of the API is a verdict: a few hundred bytes, two levels deep
JSON_MAX_BYTES = 64 * 1024
JSON_MAX_DEPTH = 32


def json_depth(body: bytes) -> int:
    """How deeply arrays and objects nest in a JSON text, counted without parsing it (strings skipped): the parser
    itself recurses, and a body of a thousand brackets exhausts Python's stack before any schema is checked."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return deepest


def bounded_json():
    """422 for a JSON body larger or deeper than any request of the API needs, before it is parsed."""
    if request.method in READS or not request.is_json:
        return
    body = request.get_data(cache=True)
    if len(body) > JSON_MAX_BYTES:
        raise Problem(422, f"The JSON body is larger than {JSON_MAX_BYTES // 1024} KB.")
    if json_depth(body) > JSON_MAX_DEPTH:
        raise Problem(422, f"The JSON body nests deeper than {JSON_MAX_DEPTH} levels.")


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
