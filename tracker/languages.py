"""The interface's languages: Russian (the default), Kazakh and English, each named in itself."""

from __future__ import annotations

#: language code → its own name, the default first
LANGUAGES = {"ru": "Русский", "kk": "Қазақша", "en": "English"}
DEFAULT_LANGUAGE = "ru"


def language_choices() -> list[tuple[str, str]]:
    """(code, name) of every language, for a select field."""
    return list(LANGUAGES.items())
