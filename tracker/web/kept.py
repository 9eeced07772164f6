"""A page whose `content` block is the same for everyone with the same reach: rendered once per data generation and
kept (tracker/kept_pages.py), each reader's form token put in; the frame around it (the person's name, the sign-out
form, messages) is rendered on every request."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cache

from flask import current_app, render_template
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from tracker.config import PROJECT_ROOT
from tracker.db import get_session
from tracker.kept_pages import kept
from tracker.timeutil import today_almaty
from tracker.web.access import current_access

PACKAGE, TEMPLATES = PROJECT_ROOT / "tracker", PROJECT_ROOT / "templates"

#: the marks base.html puts around the content block of a page rendered to be kept, and the mark kept in place of
#: the person's form token
_STARTS, _ENDS, _TOKEN = "<!--kept-->", "<!--/kept-->", "mindet-kept-form-token"


def render_kept(template: str, parts: tuple, compute: Callable[[], dict], **frame) -> str:
    """Render `template`: its content block as kept, or from what `compute()` returns (called only when the block is
    not kept) and then kept; the rest from `frame`. `parts` names what the block depends on besides the data, the
    language, the day and the person's reach."""
    page = None

    def content() -> str:
        nonlocal page
        # the whole page is rendered (a block alone would miss the template's own top-level settings), the block's
        # part cut out between the marks base.html puts around it when asked
        page = render_template(template, keep_content=True, **frame, **compute())
        body = page[page.index(_STARTS) + len(_STARTS):page.rindex(_ENDS)]
        # a form's token is the person's own: kept as a mark, each reader's put in its place
        return body.replace(generate_csrf(), _TOKEN) if "csrf_token" in body else body

    key = (code_digest(), _settings(), template, parts, str(get_locale()), today_almaty().isoformat(), _reach())
    body = kept(get_session(), key, content, minutes=current_app.config["KEPT_PAGES_MINUTES"])
    if page is not None:
        return page.replace(_STARTS, "", 1).replace(_ENDS, "", 1)
    if _TOKEN in body:
        body = body.replace(_TOKEN, generate_csrf())
    return render_template(template, kept_content=Markup(body), **frame)  # noqa: S704 — as Jinja rendered it


@cache
def code_digest() -> str:
    """A digest of the code, templates and translations: a page kept by one version of Mindet is never shown by
    another (an upgrade, or two nodes of different versions during a rolling one)."""
    digest = hashlib.sha256()
    for path in sorted([*PACKAGE.rglob("*.py"), *PACKAGE.rglob("*.mo"), *TEMPLATES.rglob("*.html")]):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _settings() -> str:
    """A digest of the app's settings (a restart with other settings renders anew; 0.1 ms)."""
    return hashlib.sha256(repr(sorted(current_app.config.items(), key=lambda item: item[0])).encode()).hexdigest()


def _reach() -> tuple | None:
    """What of the person a content block may depend on: their roles and reach, not who they are."""
    if not current_user.is_authenticated:
        return None
    return current_access().reach()
