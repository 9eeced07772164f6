"""The request's Access, and the edge's answer to a refusal: what you may not see does not exist for you (404)."""

from __future__ import annotations

from flask import abort, g
from flask_login import current_user
from werkzeug.exceptions import NotFound

from tracker.db import get_session
from tracker.people.permissions import Access, NotPermitted, access_for


def current_access() -> Access:
    """The Access of this request's user, computed once per request."""
    if "access" not in g:
        user = current_user if current_user.is_authenticated else None
        g.access = access_for(get_session(), user._get_current_object() if user else None)
    return g.access


def require(allowed: bool) -> None:
    """404 when not allowed."""
    if not allowed:
        abort(404)


def require_admin() -> None:
    """Only administrators pass."""
    require(current_access().can_administer())


def init_app(app) -> None:
    """Templates see the person's Access as `access` (None when signed out); a domain refusal is a 404."""
    app.context_processor(lambda: {"access": current_access() if current_user.is_authenticated else None})
    app.register_error_handler(NotPermitted, lambda _error: app.handle_http_exception(NotFound()))
