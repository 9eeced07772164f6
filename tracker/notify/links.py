"""Links an email writes once per line: built from one link of the route, not by the router per line."""

from __future__ import annotations

from collections.abc import Callable

from flask import url_for

#: a report id no link holds otherwise, replaced in the one link built per email
_SAMPLE_ID = 918_273_645


def report_link() -> Callable[[int], str]:
    """report id → the absolute address of its page, in the request being rendered (a reminders run once built the
    route per line: 86,000 times a tick)."""
    return url_for("reports.report", report_id=_SAMPLE_ID, _external=True).replace(str(_SAMPLE_ID), "{}").format
