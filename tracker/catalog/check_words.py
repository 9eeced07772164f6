"""What `roadmaps check` says of a measure, in the reader's language: the Word import's page shows the check's
findings to secretaries, who read Russian, Kazakh or English, not the operator's English of the command line."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext

#: the check's messages a measure of a Word draft can meet, recognised by their English wording
_MESSAGES = [
    (re.compile(r"unknown deadline «(?P<text>.*?)»"),
     lazy_gettext("срок «%(text)s» не распознан: напишите период («3-й квартал 2024», «IV квартал 2027 года», «2025 "
                  "год»), периодичность («Ежеквартально», «Ежегодно»), «Постоянно» или событие («По мере "
                  "поступления запроса»)")),
    (re.compile(r"deadline «(?P<text>.*?)» \(.*?\) lies outside the instrument's validity \((?P<start>\S+) – "
                r"(?P<end>\S+)\)"),
     lazy_gettext("срок «%(text)s» выходит за период действия документа (%(start)s – %(end)s): исправьте срок или "
                  "период действия")),
    (re.compile(r"there is no period number (?P<number>\d+) \(1 to (?P<most>\d+)\)"),
     lazy_gettext("периода с номером %(number)s нет (от 1 до %(most)s)")),
    (re.compile(r"the range (?P<range>\S+) does not run forward"),
     lazy_gettext("диапазон %(range)s идёт назад")),
    (re.compile(r"the deadline is empty"), lazy_gettext("срок не указан")),
    (re.compile(r"deadline is missing"), lazy_gettext("срок не указан")),
    (re.compile(r"owners are missing"), lazy_gettext("исполнители не указаны")),
    (re.compile(r"unknown owner '(?P<name>.*?)'"),
     lazy_gettext("«%(name)s» — не код и не другое название организации из справочника: выберите организацию или "
                  "попросите администратора добавить её")),
    (re.compile(r"owner (?P<code>\S+) is listed twice"), lazy_gettext("исполнитель %(code)s указан дважды")),
    (re.compile(r"duplicate obligation number '(?P<number>.*?)'"),
     lazy_gettext("номер меры %(number)s повторяется")),
    (re.compile(r"duplicate section number '(?P<number>.*?)'"),
     lazy_gettext("номер раздела %(number)s повторяется")),
    (re.compile(r"required field is missing"), lazy_gettext("обязательное поле не заполнено")),
]
#: a field of a measure, as the table's columns name it
FIELDS = {"deadline": lazy_gettext("Срок"), "owners": lazy_gettext("Исполнители"), "text": lazy_gettext("Мера"),
          "number": lazy_gettext("Номер"), "result": lazy_gettext("Форма завершения"),
          "title": lazy_gettext("Название")}


def check_message(message: str) -> str:
    """The check's message in the reader's language; one the table does not know is given as it is, after a
    translated lead-in, so that nothing is hidden."""
    for pattern, words in _MESSAGES:
        if match := pattern.search(message):
            return str(words) % match.groupdict() if match.groupdict() else str(words)
    return str(lazy_gettext("проверка: %(message)s", message=message))


def field_word(path: str) -> str | None:
    """The table's column a check path points at (sections[0].obligations[1].deadline → столбец «Срок»)."""
    for step in reversed(re.split(r"[.\[\]]+", path)):
        if step in FIELDS:
            return str(lazy_gettext("столбец «%(column)s»", column=FIELDS[step]))
    return None
