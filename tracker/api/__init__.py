"""The JSON API (/api/v1), its OpenAPI 3.1 document and reference page: personal access tokens instead of the
sign-in cookie, the pages' permission helper, problem-details errors, ETags on reads, a rate limit per token."""

from __future__ import annotations

from flask import g, request
from flask_openapi3 import OpenAPI

#: how the document describes the authentication
SECURITY_SCHEMES = {"token": {"type": "http", "scheme": "bearer", "description": (
    "A personal access token (mdt_…), created on the account page or with `mindet users token create`.")}}
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


def init_app(app: OpenAPI) -> None:
    """Register the API blueprint (its hooks are set once, where it is defined) and its error shape."""
    from tracker.api.problems import Problem
    from tracker.api.routes import api, problem_for

    app.config.setdefault("SWAGGER_HTML_STRING", REFERENCE_PAGE)
    app.json.ensure_ascii = False  # Russian and Kazakh stay readable in every JSON answer (UTF-8, as declared)
    app.register_api(api)
    app.register_error_handler(Problem, problem_for)

    @app.before_request
    def language_of_the_token():
        # app-wide, so that it runs for addresses the API does not have too (their 404 speaks the owner's language)
        if is_api_request():
            from tracker.api.access import token_language
            g.api_language = token_language
