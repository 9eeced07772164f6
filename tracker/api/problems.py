"""Errors of the JSON API in one shape: RFC 9457 problem details (application/problem+json), in the language of
the token's owner (their account's language; ?lang= overrides; Russian before a token is known)."""

from __future__ import annotations

from flask import Response, json, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from werkzeug.exceptions import HTTPException

MEDIA_TYPE = "application/problem+json"

#: the title of each status, translated (RFC 9457 lets a title be localized; it stays the same for a status)
_TITLES = {
    400: lazy_gettext("Неверный запрос"), 401: lazy_gettext("Нужен токен"), 403: lazy_gettext("Нет прав"),
    404: lazy_gettext("Не найдено"), 405: lazy_gettext("Метод не поддерживается"),
    409: lazy_gettext("Конфликт версий"), 413: lazy_gettext("Слишком большой запрос"),
    422: lazy_gettext("Запрос не соответствует схеме"), 429: lazy_gettext("Слишком много запросов"),
    500: lazy_gettext("Внутренняя ошибка"), 503: lazy_gettext("Сервис временно недоступен"),
    507: lazy_gettext("Недостаточно места"),
}

#: what a werkzeug error says, in the reader's language instead of werkzeug's English
_DETAILS = {
    404: lazy_gettext("Такого адреса в API нет: проверьте путь и идентификатор (все адреса — /api/v1/openapi.json)."),
    405: lazy_gettext("Этот адрес не принимает такой метод: допустимые перечислены в заголовке Allow."),
    413: lazy_gettext("Запрос больше, чем принимает сервер: отправьте меньше файлов или файлы меньшего размера."),
    429: lazy_gettext("Слишком много запросов с этим токеном: подождите столько секунд, сколько указано в "
                      "Retry-After."),
    500: lazy_gettext("Внутренняя ошибка сервера: она записана в журнал; повторите запрос позже или сообщите "
                      "администратору номер запроса."),
    503: lazy_gettext("Сервис временно недоступен: повторите запрос через минуту."),
}


class Problem(Exception):
    """An API error: HTTP status, a detail for the person or program reading it, and extra members."""

    def __init__(self, status: int, detail: str, **extra):
        super().__init__(detail)
        self.status, self.detail, self.extra = status, detail, extra


def problem_response(status: int, detail: str, headers: dict | None = None, **extra) -> Response:
    """The problem-details response: type, title, status, detail, instance, and any extra members."""
    body = {"type": "about:blank", "title": str(_TITLES.get(status, _("Ошибка"))), "status": status,
            "detail": str(detail), "instance": request.path, **extra}
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=MEDIA_TYPE, headers=headers)


def from_http_exception(error: HTTPException) -> Response:
    """A werkzeug error (404, 405, 413, 429…) as problem details, keeping its headers (Retry-After, Allow)."""
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    status = error.code or 500
    return problem_response(status, _DETAILS.get(status, error.description or ""), headers=headers)


#: pydantic's error types a client meets, said in the reader's language (others keep pydantic's English message)
_FIELD_MESSAGES = {
    "missing": lazy_gettext("обязательное поле"),
    "int_parsing": lazy_gettext("нужно целое число"),
    "int_type": lazy_gettext("нужно целое число"),
    "bool_parsing": lazy_gettext("нужно true или false"),
    "date_from_datetime_parsing": lazy_gettext("нужна дата ГГГГ-ММ-ДД"),
    "date_parsing": lazy_gettext("нужна дата ГГГГ-ММ-ДД"),
    "string_type": lazy_gettext("нужен текст"),
    "string_too_long": lazy_gettext("не длиннее %(max_length)s символов"),
    "string_too_short": lazy_gettext("не короче %(min_length)s символов"),
    "string_pattern_mismatch": lazy_gettext("неверный формат"),
    "greater_than_equal": lazy_gettext("не меньше %(ge)s"),
    "less_than_equal": lazy_gettext("не больше %(le)s"),
    "greater_than": lazy_gettext("больше %(gt)s"),
    "literal_error": lazy_gettext("одно из: %(expected)s"),
    "enum": lazy_gettext("одно из: %(expected)s"),
    "too_long": lazy_gettext("не больше %(max_length)s элементов"),
    "extra_forbidden": lazy_gettext("такого поля нет"),
    "json_invalid": lazy_gettext("тело запроса — не JSON"),
    "model_attributes_type": lazy_gettext("нужен объект JSON"),
    "dict_type": lazy_gettext("нужен объект JSON"),
}


def field_message(item: dict) -> str:
    """One field's error in the reader's language, with its limits (pydantic's own text where none is known)."""
    known = _FIELD_MESSAGES.get(item["type"])
    if known is None:
        return item["msg"]
    text = str(known)
    return text % dict(item.get("ctx") or {}) if "%(" in text else text


def validation_problem(error) -> Response:
    """A request that does not match its schema (flask-openapi3 hands over pydantic's ValidationError): 422 with
    every field's message."""
    errors = [{"field": ".".join(str(part) for part in item["loc"]), "message": field_message(item)}
              for item in error.errors()]
    return problem_response(422, _("Запрос не соответствует схеме: ошибки по полям — в errors."), errors=errors)
