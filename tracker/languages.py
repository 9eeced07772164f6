"""The interface's languages: Russian (the default), Kazakh and English, each named in itself; dates in each."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import Literal, get_args

from babel import dates as babel_dates
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
    locale = str(get_locale())
    pattern = "d MMM yyyy" if locale == "en" else "dd.MM.yyyy"
    if with_time:  # flask-babel converts to BABEL_DEFAULT_TIMEZONE (Asia/Almaty)
        return format_datetime(value, f"{pattern} HH:mm")
    if isinstance(value, datetime):  # the day it is in Almaty
        return format_date(value, pattern)
    return _day(value, locale, pattern)


@lru_cache(maxsize=4096)  # a reminders run writes the same few hundred due dates 200,000 times
def _day(value: date, locale: str, pattern: str) -> str:
    return babel_dates.format_date(value, pattern, locale=locale)
