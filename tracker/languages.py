"""The interface's languages: Russian (the default), Kazakh and English, each named in itself; dates in each."""

from __future__ import annotations

from typing import Literal, get_args

from flask_babel import format_date, format_datetime, get_locale

#: a language code, as the YAML format and the settings accept it
Language = Literal["ru", "kk", "en"]
#: language code → its own name, the default first
LANGUAGES = dict(zip(get_args(Language), ("Русский", "Қазақша", "English"), strict=True))
DEFAULT_LANGUAGE = "ru"


def language_choices() -> list[tuple[str, str]]:
    """(code, name) of every language, for a select field."""
    return list(LANGUAGES.items())


def format_day(value, with_time: bool = False) -> str:
    """A date (or a moment, in Almaty time) the way the interface language writes it: 31.12.2025 in Russian and
    Kazakh, 31 Dec 2025 in English."""
    if value is None:
        return "—"
    pattern = "d MMM yyyy" if str(get_locale()) == "en" else "dd.MM.yyyy"
    if with_time:  # flask-babel converts to BABEL_DEFAULT_TIMEZONE (Asia/Almaty)
        return format_datetime(value, f"{pattern} HH:mm")
    return format_date(value, pattern)
