"""What views read from a request: objects by key (404 when absent), quarters, pages — each parsed in one place."""

from __future__ import annotations

from datetime import date

from flask import Flask, abort, current_app, flash, request

from tracker.as_of import Moment
from tracker.catalog.lookups import live_instrument
from tracker.db import get_session
from tracker.models import Instrument
from tracker.pagination import decode_key, page_number
from tracker.periods import Period


def this_app() -> Flask:
    """The application serving this request, handed to domain functions that render with its templates."""
    return current_app._get_current_object()


def instrument_or_404(key: str) -> Instrument:
    """The live instrument with this key, or 404."""
    instrument = live_instrument(get_session(), key)
    if instrument is None:
        abort(404)
    return instrument


def quarter_arg(today: date, default: Period | None = None) -> Period:
    """The quarter asked for in ?quarter=, else `default` (the current quarter if none)."""
    return asked_quarter() or default or Period.containing(today, "quarterly")


def asked_quarter() -> Period | None:
    """The quarter asked for in ?quarter=, or None (the figures then choose)."""
    try:
        return Period.parse(request.args.get("quarter", ""))
    except ValueError:
        return None


def moment_arg(today: date) -> Moment:
    """When the page judges: the end of the past day asked for in ?as_of=YYYY-MM-DD (figures as they stood then),
    else today — for no date, a day not yet over, or anything that is not a date."""
    return Moment.for_asked(day_arg("as_of"), today)


def day_arg(name: str) -> date | None:
    """A date from ?name=YYYY-MM-DD, or None when absent or not a date."""
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def page_arg() -> int:
    """The page asked for in ?page= (1 when absent or absurd)."""
    return page_number(request.args.get("page"))


def flash_errors(form) -> None:
    """Say each field's problems on the next page (a form posted from a page that is not shown again)."""
    for field, errors in form.errors.items():
        flash(f"{getattr(form, field).label.text}: {'; '.join(map(str, errors))}", "error")


def keyset_args(types: tuple) -> dict:
    """The page asked for by key (?after= or ?before=, the links a keyset page gives, read with `types`) and its
    number as the person counted it (?page=); without a key, the first page."""
    after = decode_key(request.args.get("after"), types)
    before = decode_key(request.args.get("before"), types) if after is None else None
    return {"after": after, "before": before, "number": page_arg() if after or before else 1}
