"""Error pages that say where you are and what to do next; the health check for load balancers."""

from __future__ import annotations

import time

from flask import Flask, g, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sql_errors
from sqlalchemy import text
from werkzeug.exceptions import HTTPException

from tracker.api import is_api_request
from tracker.api.problems import from_http_exception, problem_response
from tracker.db import get_session
from tracker.notify.scheduler import clock_health
from tracker.timeutil import now_utc
from tracker.web.security import limiter


def _rolled_back(handler):
    """An error page starts from a clean session: the failed request's transaction is rolled back first, so
    that rendering the page (which reads the signed-in person) cannot fail in turn. The API answers its errors
    as problem details instead of pages."""
    def handle(error):
        try:
            get_session().rollback()
        except sql_errors.DBAPIError:  # the connection is gone: nothing to roll back on it
            get_session().invalidate()
        if is_api_request():
            return _api_problem(error)
        return handler(error)
    handle.__name__ = handler.__name__
    return handle


def _api_problem(error):
    if isinstance(error, sql_errors.OperationalError | sql_errors.InterfaceError):
        return problem_response(503, _("База данных недоступна: повторите запрос через минуту."),
                                headers={"Retry-After": "60"})
    if isinstance(error, HTTPException) and error.code != 500:
        return from_http_exception(error)
    return problem_response(500, _("Сбой на стороне сервера: он записан в журнал. Повторите запрос или сообщите "
                                   "администратору."))


def init_app(app: Flask) -> None:
    """Register the error pages and /health."""

    @app.errorhandler(400)
    @_rolled_back
    def bad_request(_error):
        return render_template("errors/400.html", reason=_("Запрос содержит недопустимые символы или значения.")), 400

    @app.errorhandler(404)
    @_rolled_back
    def not_found(_error):
        return render_template("errors/404.html"), 404

    @app.errorhandler(CSRFError)
    @_rolled_back
    def csrf_failed(error):
        return render_template("errors/400.html", reason=error.description), 400

    @app.errorhandler(413)
    @_rolled_back
    def too_large(_error):
        limit = app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
        reason = _("Загрузка больше %(mb)d МБ. Отправьте файлы по одному или уменьшите их.", mb=limit)
        return render_template("errors/400.html", reason=reason), 413

    @app.errorhandler(405)
    @_rolled_back
    def not_allowed(error):
        return render_template("errors/400.html", reason=error.description), 405

    @app.errorhandler(429)
    @_rolled_back
    def too_many(_error):
        # when the window this address exhausted resets: a client (or a proxy) knows when to come back
        current = limiter.current_limit
        wait = max(1, int(current.reset_at - time.time())) if current else 60
        return render_template("errors/429.html"), 429, {"Retry-After": str(wait)}

    def health():
        session = get_session()
        try:
            session.execute(text("SELECT 1"))
        except sql_errors.DBAPIError:
            session.invalidate()
            return {"status": "database unavailable"}, 503, {"Retry-After": "60"}
        return {"status": "ok", "clock": clock_health(session, now_utc())}

    app.add_url_rule("/health", "health", health)

    @app.errorhandler(sql_errors.OperationalError)
    @app.errorhandler(sql_errors.InterfaceError)
    @_rolled_back
    def database_unavailable(_error):
        # a database that is down, restarting or out of connections: a clear "try again in a minute", not a 500.
        # The page is drawn as for an anonymous visitor, so that nothing while rendering it asks the database again.
        g._login_user = app.login_manager.anonymous_user()
        return render_template("errors/503.html"), 503, {"Retry-After": "60"}

    @app.errorhandler(500)
    @_rolled_back
    def server_error(_error):
        return render_template("errors/500.html"), 500
