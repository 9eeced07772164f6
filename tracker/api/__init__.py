"""The JSON API (/api/v1), its OpenAPI 3.1 document and reference page: personal access tokens instead of the
sign-in cookie, the pages' permission helper, problem-details errors, ETags on reads, a rate limit per token."""

from __future__ import annotations

import hashlib

from flask import current_app, g, request
from flask_openapi3 import OpenAPI

from tracker.api.problems import Problem
from tracker.db import get_session
from tracker.people import tokens
from tracker.timeutil import now_utc

#: how the document describes the authentication
SECURITY_SCHEMES = {"token": {"type": "http", "scheme": "bearer", "description": (
    "A personal access token (mdt_…), created on the account page or with `mindet users token create`.")}}
READS = ("GET", "HEAD", "OPTIONS")
#: the reference page (/api/v1/swagger): Swagger UI's files from its package, started by our own script
REFERENCE_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Mindet API</title>
<link rel="stylesheet" href="swagger/css/swagger-ui.css"></head>
<body><div id="swagger-ui" data-spec="{{ doc_url }}"></div>
<script src="swagger/js/swagger-ui-bundle.js"></script>
<script src="swagger/js/swagger-ui-standalone-preset.js"></script>
<script src="{{ url_for('static', filename='api-docs.js') }}"></script></body></html>"""


class DocumentedOpenAPI(OpenAPI):
    """flask-openapi3's app, whose document says what the API really answers on errors: problem details, as
    application/problem+json (the library describes them as JSON arrays of its own validation model)."""

    def generate_spec_json(self):
        """Build the document, then give every error response the problem-details media type and schema."""
        super().generate_spec_json()
        problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}}
        for path_item in self.spec_json["paths"].values():
            for operation in path_item.values():
                for status, response in operation.get("responses", {}).items():
                    if str(status)[0] in "45":
                        response["content"] = problem


def is_api_request() -> bool:
    """Whether this request is for the API or its document (they answer JSON, never a page or a redirect)."""
    return request.path.startswith("/api/")


def _token_key() -> str:
    """The rate limit's key: the token (hashed), whatever address it comes from; the address without one."""
    header = request.headers.get("Authorization", "")
    return "api:" + (hashlib.sha256(header.encode()).hexdigest()[:24] if header else request.remote_addr or "-")


def _authenticate():
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


def _conditional(response):
    """Reads carry an ETag of their body; a client sending it back in If-None-Match gets 304."""
    if request.method == "GET" and response.status_code == 200 and response.mimetype == "application/json":
        response.add_etag()
        response.make_conditional(request)
    response.headers.setdefault("Cache-Control", "private, no-cache")
    return response


def init_app(app: OpenAPI) -> None:
    """Register the API blueprint, its hooks and its error shape."""
    from tracker.api.routes import api, problem_for
    from tracker.web.security import csrf, limiter

    api.before_request(_authenticate)
    api.after_request(_conditional)
    limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=_token_key)(api)
    csrf.exempt(api)
    app.config.setdefault("SWAGGER_HTML_STRING", REFERENCE_PAGE)
    app.register_api(api)
    app.register_error_handler(Problem, problem_for)
