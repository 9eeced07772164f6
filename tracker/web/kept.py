"""A page whose `content` block is the same for everyone with the same reach: rendered once per data generation and
kept (tracker/kept_pages.py); the frame around it (the person's name, the sign-out form, messages) is rendered on
every request."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cache

from flask import current_app, render_template
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from tracker.config import PROJECT_ROOT
from tracker.db import get_session
from tracker.kept_pages import kept
from tracker.timeutil import today_almaty
from tracker.web.access import current_access

PACKAGE, TEMPLATES = PROJECT_ROOT / "tracker", PROJECT_ROOT / "templates"

#: the marks base.html puts around the content block of a page rendered to be kept
_STARTS, _ENDS = "<!--kept-->", "<!--/kept-->"


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
        if 'name="csrf_token"' in body:  # a form of one person's session must never be handed to another
            raise ValueError(f"{template}: a kept content block holds a CSRF token")
        return body

    body = kept(get_session(), (_code(), template, parts, str(get_locale()), today_almaty().isoformat(), _reach()),
                content,
                minutes=current_app.config["KEPT_PAGES_MINUTES"])
    if page is not None:
        return page.replace(_STARTS, "", 1).replace(_ENDS, "", 1)
    return render_template(template, kept_content=Markup(body), **frame)  # noqa: S704 — as Jinja rendered it


@cache
def _code() -> str:
    """A digest of the code, templates and translations: a page kept by one version of Mindet is never shown by
    another (an upgrade, or two nodes of different versions during a rolling one)."""
    digest = hashlib.sha256()
    for path in sorted([*PACKAGE.rglob("*.py"), *PACKAGE.rglob("*.mo"), *TEMPLATES.rglob("*.html")]):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _reach() -> tuple | None:
    """What of the person a content block may depend on: their roles and reach, not who they are."""
    if not current_user.is_authenticated:
        return None
    return current_access().reach()
