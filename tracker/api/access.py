"""How an API request is let in: its token (never the sign-in cookie), its scope, its rate-limit key; and the
ETag of what it reads."""

from __future__ import annotations

import hashlib

from flask import current_app, g, request
from flask_babel import gettext as _

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
        raise Problem(422, _("Тело JSON больше %(kb)d КБ.", kb=JSON_MAX_BYTES // 1024))
    if json_depth(body) > JSON_MAX_DEPTH:
        raise Problem(422, _("Тело JSON вложено глубже %(levels)d уровней.", levels=JSON_MAX_DEPTH))


def token_key() -> str:
    """The rate limit's key: the token (hashed), whatever address it comes from; the address without one."""
    header = request.headers.get("Authorization", "")
    return "api:" + (hashlib.sha256(header.encode()).hexdigest()[:24] if header else request.remote_addr or "-")


def _bearer() -> str:
    scheme, _space, secret = request.headers.get("Authorization", "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else ""


def token_language() -> str | None:
    """The language of the live account behind the request's token, if any: the errors answered before the API's
    hooks run (an address the API does not have) speak it too."""
    secret = _bearer()
    found = tokens.holder(get_session(), secret, now_utc()) if secret else None
    return found[0].language if found else None


def authenticate():
    """Every API request carries a token; a session cookie never authenticates it (so CSRF cannot apply)."""
    secret = _bearer()
    if not secret:
        raise Problem(401, _("Отправьте личный токен доступа: Authorization: Bearer mdt_… (страница «Мой профиль» → "
                            "токены)."))
    session = get_session()
    found = tokens.authenticate(session, secret, now_utc())
    if found is None:
        session.rollback()
        raise Problem(401, _("Токен неизвестен, отозван или истёк: создайте новый на странице «Мой профиль»."))
    g._login_user, g.api_token = found  # the token's owner is this request's user, for every permission check
    g.pop("access", None)
    if session.dirty:
        session.commit()  # last_used_at
    if request.method not in READS and g.api_token.scope != "write":
        raise Problem(403, _("Этот токен только для чтения: для отправки отчётов создайте токен с правом записи."))


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
