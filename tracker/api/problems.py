"""Errors of the JSON API in one shape: RFC 9457 problem details (application/problem+json)."""

from __future__ import annotations

from flask import Response, json, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

MEDIA_TYPE = "application/problem+json"


class Problem(Exception):
    """An API error: HTTP status, a detail for the person or program reading it, and extra members."""

    def __init__(self, status: int, detail: str, **extra):
        super().__init__(detail)
        self.status, self.detail, self.extra = status, detail, extra


def problem_response(status: int, detail: str, headers: dict | None = None, **extra) -> Response:
    """The problem-details response: type, title, status, detail, instance, and any extra members."""
    body = {"type": "about:blank", "title": HTTP_STATUS_CODES.get(status, "Error"), "status": status,
            "detail": detail, "instance": request.path, **extra}
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=MEDIA_TYPE, headers=headers)


def from_http_exception(error: HTTPException) -> Response:
    """A werkzeug error (404, 405, 413, 429…) as problem details, keeping its headers (Retry-After, Allow)."""
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    return problem_response(error.code or 500, error.description or "", headers=headers)


def validation_problem(error) -> Response:
    """A request that does not match its schema (flask-openapi3 hands over pydantic's ValidationError): 422 with
    every field's message."""
    errors = [{"field": ".".join(str(part) for part in item["loc"]), "message": item["msg"]}
              for item in error.errors()]
    return problem_response(422, "The request does not match the schema; see errors.", errors=errors)
