"""Languages: Russian by default, Kazakh and English; chosen by ?lang=, remembered in the session."""

from __future__ import annotations

from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import Babel, format_decimal, format_percent, get_locale, get_translations
from flask_login import current_user

from tracker.languages import format_day
from tracker.meetings import level_label, meeting_status
from tracker.people.roles import role_label
from tracker.statuses import days_overdue, is_report_overdue
from tracker.statuses import label as status_label
from tracker.timeutil import today_almaty


def select_locale() -> str:
    """The request's language: an explicit ?lang=, the choice remembered in the session, the account's language,
    then Russian.

    The browser's Accept-Language is not used: most machines here say en-US, yet the working language is Russian.
    The API remembers nothing: its answers are in the token owner's language unless ?lang= says otherwise.
    """
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # a command or the clock: Russian (emails choose their reader's language)
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    asked = request.args.get("lang")
    api = "api_language" in g  # set by the API for its requests (tracker/api/__init__.py)
    if asked in languages:
        if not api:
            session["lang"] = asked
        return asked
    if not api and session.get("lang") in languages:
        return session["lang"]
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language  # the language chosen on the account page
    if api and (owner := g.api_language()) in languages:
        return owner
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def localized(obj, field: str) -> str | None:
    """obj.<field>_<lang> for the current language, falling back to Russian (the source language)."""
    lang = str(get_locale() or "ru")
    return getattr(obj, f"{field}_{lang}", None) or getattr(obj, f"{field}_ru")


def _translate_templates_from_found_catalogues(app: Flask) -> None:
    """Templates' phrases are looked up in the catalogue of the language being rendered, found once per language:
    flask-babel finds it again through the request context for every phrase (10 µs each; a national dashboard
    says 369 phrases, a digest 70)."""
    found = {}

    def catalogue():
        locale = get_locale()
        if locale not in found:
            found[locale] = get_translations()
        return found[locale]
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: catalogue().ugettext(s), ngettext=lambda s, p, n: catalogue().ungettext(s, p, n),
        pgettext=lambda c, s: catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: catalogue().unpgettext(c, s, p, n), newstyle=True)


def init_app(app: Flask) -> None:
    """Wire Flask-Babel and expose helpers to templates."""
    Babel(app, locale_selector=select_locale, default_translation_directories="translations")
    _translate_templates_from_found_catalogues(app)
    app.jinja_env.globals.update(localized=localized, get_locale=get_locale, status_label=status_label,
                                 days_overdue=days_overdue, is_report_overdue=is_report_overdue,
                                 role_label=role_label, level_label=level_label, meeting_status=meeting_status)
    app.jinja_env.filters["day"] = format_day
    app.jinja_env.filters["format_number"] = format_decimal
    app.jinja_env.filters["format_percent"] = format_percent
    app.context_processor(lambda: {"today": today_almaty()})
