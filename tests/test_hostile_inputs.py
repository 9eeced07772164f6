"""Hostile input over every route, for every role: generated URLs, query strings and form fields never give a
server error, and a refused request writes nothing at all.

The routes come from the app's URL map (a new route is covered without touching this file); form field names
come from every form the pages show. Values are what probes send: NUL and control characters, huge and negative
numbers, impossible dates, SQL and HTML, path tricks, long strings, arbitrary Unicode.
"""

import re
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlmodel import SQLModel

from .conftest import csrf_token, make_user, signed_in
from .depth import by_depth

NASTY = ["", " ", "\x00", "a\x00b", "%00", "\r\n", "'", '"; DROP TABLE report; --', "' OR '1'='1", "../../etc/passwd",
         "<script>alert(1)</script>", "javascript:alert(1)", "-1", "0", "1", "2", "2147483648", "9223372036854775808",
         "9" * 40, "1e308", "NaN", "-0", "２０２５", "2025-02-30", "2025-13-01", "2025q1", "2025-Q9", "I кв. 2025",
         "\u202eevil", "ﷺ" * 50, "[" * 3000, "a" * 5000, "%", "&", "=", "?", "#", "/", "МТСЗН", "on", "true"]
VALUES = st.one_of(st.sampled_from(NASTY), st.text(max_size=40), st.integers(-2**70, 2**70).map(str))
IDS = st.one_of(st.integers(0, 40), st.sampled_from([2**31 - 1, 2**31, 2**63, 10**20]))
QUERY_NAMES = ["page", "as_of", "status", "organization", "instrument", "quarter", "q", "lang", "period", "section",
               "kind", "format", "action", "object_type", "object_id", "user", "next", "token", "sort", "due"]
#: leaving them would end the session under test; they are covered by the auth tests
SKIPPED = {"static", "auth.logout"}
_PLACEHOLDER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def _routes(app) -> list[tuple[str, str, dict[str, str]]]:
    """(method, rule, {argument: converter}) of every route."""
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED:
            continue
        converters = {name: (kind or "string") for kind, name in _PLACEHOLDER.findall(rule.rule)}
        for method in sorted(rule.methods & {"GET", "POST"}):
            routes.append((method, rule.rule, converters))
    return routes


@st.composite
def _urls(draw, rule: str, converters: dict[str, str]) -> str:
    def fill(match):
        kind = converters[match.group(2)]
        value = draw(IDS) if kind in ("int", "id") else draw(VALUES)
        return quote(str(value), safe="")
    path = _PLACEHOLDER.sub(fill, rule)
    names = draw(st.lists(st.sampled_from(QUERY_NAMES), max_size=3, unique=True))
    query = urlencode({name: draw(VALUES) for name in names})
    return f"{path}?{query}" if query else path


def _form_fields(client) -> list[str]:
    """The names of every field of every form on the pages a person reaches from the start page."""
    names = set()
    for page in ("/", "/account", "/account/calendar", "/reports", "/review", "/overdue", "/admin/users", "/reset",
                 "/login", "/search?q=2.1"):
        html = client.get(page).get_data(as_text=True)
        names |= set(re.findall(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', html))
    for link in re.findall(r'href="(/reports/\d+)"', client.get("/reports").get_data(as_text=True))[:1]:
        names |= set(re.findall(r'\bname="([^"]+)"', client.get(link).get_data(as_text=True)))
    # and the fields of forms that only show when there is something to act on (an empty queue has no form)
    names |= {"reports", "status", "version", "note", "reason", "reason_source", "confirmed", "due_on", "label"}
    return sorted(names - {"csrf_token"})


def _row_counts(db) -> dict[str, int]:
    return {table.name: db.exec(select(func.count()).select_from(table)).one()
            for table in SQLModel.metadata.sorted_tables}


ROLES = {
    "anonymous": None,
    "focal point": dict(role="focal_point", orgs=["МТСЗН"]),
    "secretary": dict(role="secretary", instruments=["world"]),
    "administrator": dict(role="admin"),
}


@pytest.mark.sized
@pytest.mark.parametrize("role", ROLES)
def test_no_input_gives_a_server_error_or_a_partial_write(app, db, world, role):
    """For each role: every route, with generated path values, query strings and form fields (with a valid CSRF
    token, so that the input reaches the code behind the form), answers below 500 — and when it refuses (4xx),
    no table has gained or lost a row."""
    if ROLES[role]:
        arguments = dict(ROLES[role])
        user = make_user(db, f"{arguments['role']}@example.kz", arguments.pop("role"), **arguments)
        client = signed_in(app, user)
    else:
        client = app.test_client()
    token = csrf_token(client, "/account" if ROLES[role] else "/login")
    fields = _form_fields(client)
    routes = _routes(app)
    requests = []

    @settings(max_examples=by_depth(60, 600), deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(route=st.sampled_from(routes), data=st.data())
    def probe(route, data):
        method, rule, converters = route
        url = data.draw(_urls(rule, converters))
        before = _row_counts(db)
        if method == "GET":
            response = client.get(url)
        else:
            chosen = data.draw(st.lists(st.sampled_from(fields), max_size=6, unique=True))
            form = {name: data.draw(VALUES) for name in chosen}
            response = client.post(url, data={**form, "csrf_token": token})
        requests.append(response.status_code)
        assert response.status_code < 500, f"{method} {url} → {response.status_code}"
        if 400 <= response.status_code < 500:
            db.rollback()
            assert _row_counts(db) == before, f"{method} {url} was refused ({response.status_code}) but wrote rows"

    probe()
    # it reached real pages, not only 404s
    assert len(requests) >= by_depth(40, 400) and any(status < 300 for status in requests)
