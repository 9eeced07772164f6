"""Writing records as JSON, CSV or XLSX (CSV and XLSX flatten the JSON's nested lists; formulas neutralised).

JSON (and the command line's CSV) keep the codes programs read. Files for people — the web's CSV and XLSX — get
headers and status words in the reader's language; the XLSX has real dates, a filter and a frozen header, wraps
long texts and prints landscape, fitted to the page width with the header on every page. The workbook is written
row by row (XlsxWriter's constant-memory mode), so its memory does not grow with the number of rows.
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import re
from collections.abc import Callable, Iterable
from datetime import date
from functools import lru_cache
from typing import BinaryIO, TextIO

import xlsxwriter
from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l

from tracker.catalog.deadlines import kind_label
from tracker.insight.indicators import JUDGEMENT_NAMES, UNIT_NAMES
from tracker.statuses import Derived, Status
from tracker.statuses import label as status_label

COLUMNS = ["key", "instrument", "section", "section_title", "number", "text", "result", "deadline_text",
           "deadline_kind", "owners", "checkpoints", "next_due_on", "status", "source", "retired"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: the header of each column in files for people
HEADERS = {
    "key": _l("Ключ"), "instrument": _l("Инструмент"), "section": _l("Раздел"), "section_title": _l("Название раздела"),
    "number": _l("Номер"), "text": _l("Мера"), "result": _l("Ожидаемый результат"), "deadline_text": _l("Срок (текст)"),
    "deadline_kind": _l("Вид срока"), "owners": _l("Исполнители"), "checkpoints": _l("Контрольные точки"),
    "next_due_on": _l("Ближайший срок"), "status": _l("Статус"), "source": _l("Источник"), "retired": _l("Исключена"),
    "obligation": _l("Мера (ключ)"), "organization": _l("Организация"), "role": _l("Роль"), "period": _l("Период"),
    "due_on": _l("Срок"), "original_due_on": _l("Первоначальный срок"), "days_overdue": _l("Дней просрочки"),
    "measure": _l("Мера (ключ)"), "indicator": _l("Индикатор (ключ)"), "name": _l("Индикатор"),
    "unit": _l("Единица"), "direction": _l("Направление"), "baseline": _l("Базовое значение"),
    "baseline_on": _l("Дата базового значения"), "final_target": _l("Цель"), "final_target_period": _l("Период цели"),
    "latest_period": _l("Последний период"), "latest_value": _l("Последнее значение"), "expected": _l("По плану"),
    "judgement": _l("Оценка"), "reporter": _l("Сообщает"),
}
DATE_COLUMNS = {"next_due_on", "due_on", "original_due_on", "baseline_on"}


#: a separator inside a cell followed by what would start a formula if a spreadsheet split the cell there (a comma
#: file opened in Russian Excel splits on ";" and ignores quotes that do not open a field); "- " is a dash in prose
_SPLIT_FORMULA = re.compile(r"([,;]\s*)(?=[=+@\t\r]|-\S)")


def neutralize(value: str) -> str:
    """Prefix a quote to a cell that a spreadsheet would run as a formula, and to each part of it that would start
    one after a "," or ";" — whichever separator the spreadsheet splits on, no cell it makes is a formula."""
    value = _SPLIT_FORMULA.sub(r"\1'", value)
    return "'" + value if value.startswith(_FORMULA_START) else value


def _flatten_owner(owner: dict, lead: str = "lead", agreed: str = "by agreement") -> str:
    flags = [flag for flag, on in ((lead, owner["lead"]), (agreed, owner["by_agreement"])) if on]
    return owner["code"] + (f" ({', '.join(flags)})" if flags else "")


def flatten(record: dict) -> dict:
    """One CSV row with codes: owners as "МТСЗН (lead); РОР (by agreement)", checkpoints as "2025-Q1 2025-03-31
    overdue" (the command line's export, read by programs)."""
    row = dict(record)
    row["owners"] = "; ".join(_flatten_owner(o) for o in record["owners"])
    row["checkpoints"] = "; ".join(f"{c['period']} {c['due_on']} {c['status']}" for c in record["checkpoints"])
    row["retired"] = "yes" if record["retired"] else "no"
    return flat_cells(row)


def _day(iso: str | None) -> str:
    return date.fromisoformat(iso).strftime("%d.%m.%Y") if iso else ""


def for_people(record: dict) -> dict:
    """A record as people read it, in the request's language: status and role words, owners' flags, dates as
    dates (the writers format them), yes / no."""
    words = _words(str(get_locale() or "ru"))
    row = dict(record)
    if isinstance(record.get("owners"), list):
        row["owners"] = "; ".join(_flatten_owner(o, words["lead"], words["by agreement"]) for o in record["owners"])
    if isinstance(record.get("checkpoints"), list):
        row["checkpoints"] = "; ".join(f"{c['period']} {_day(c['due_on'])} {words.get(c['status'], c['status'])}"
                                       for c in record["checkpoints"])
    if "retired" in record:
        row["retired"] = words["yes" if record["retired"] else "no"]
    if record.get("status"):
        row["status"] = words.get(record["status"], record["status"])
    if record.get("role"):
        row["role"] = words["lead" if record["role"] == "lead" else "co-executor"]
    if record.get("judgement"):
        row["judgement"] = words[record["judgement"]]
    if record.get("unit") in UNIT_NAMES:
        row["unit"] = words[f"unit:{record['unit']}"]
    if record.get("deadline_kind"):
        row["deadline_kind"] = kind_label(record["deadline_kind"])
    for column in DATE_COLUMNS & row.keys():
        row[column] = date.fromisoformat(row[column]) if row[column] else None
    return flat_cells(row)


@lru_cache(maxsize=8)
def _words(language: str) -> dict[str, str]:
    """The words a file for people repeats on every row, translated once per language (asking the translations
    anew for each of 30,000 rows was most of an export's time)."""
    with force_locale(language):
        return {"lead": str(_l("головной")), "by agreement": str(_l("по согласованию")),
                "co-executor": str(_l("соисполнитель")), "yes": str(_l("да")), "no": str(_l("нет")),
                **{status: status_label(status) for status in (*Status, *Derived)},
                **{judgement: str(name) for judgement, name in JUDGEMENT_NAMES.items()},
                **{f"unit:{unit}": str(name) for unit, name in UNIT_NAMES.items()}}


def headers(columns: list[str]) -> list[str]:
    """The columns' headers in the request's language."""
    return [str(HEADERS.get(column, column)) for column in columns]


def write_json(records: Iterable[dict], stream: TextIO) -> None:
    """A JSON list, UTF-8 text kept readable (no \\u escapes)."""
    json.dump(list(records), stream, ensure_ascii=False, indent=2)
    stream.write("\n")


def csv_delimiter(language: str) -> str:
    """The separator a spreadsheet of that language's locale expects: ";" in Russian and Kazakh Excel (its list
    separator, since "," is the decimal mark there), "," in English. No `sep=` line: with one, Excel ignores the
    UTF-8 byte-order mark and garbles Cyrillic."""
    return "," if language == "en" else ";"


def csv_lines(records: Iterable[dict], columns: list[str] = COLUMNS, flat: Callable = flatten,
              header: list[str] | None = None, delimiter: str = ",") -> Iterable[str]:
    """CSV text, a header line then one line per record, produced as it is read (for streaming responses).

    Every cell is quoted: a spreadsheet that splits on the other separator (a comma file opened in Russian Excel)
    still keeps "Реализация;=1+1;…" in one cell, so no part of it can start a formula; cells that start with one
    are neutralised by `flat`."""
    buffer = _Line()
    writer = csv.writer(buffer, delimiter=delimiter, quoting=csv.QUOTE_ALL)
    writer.writerow(header or columns)
    yield buffer.take()
    for record in records:
        row = flat(record)
        writer.writerow([_csv_value(row.get(column, "")) for column in columns])
        yield buffer.take()


def _csv_value(value):
    return value.strftime("%d.%m.%Y") if isinstance(value, date) else value


class _Line:
    """A file-like sink that hands back what the csv writer wrote since the last call."""

    def __init__(self):
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)

    def take(self) -> str:
        text, self.parts = "".join(self.parts), []
        return text


def write_csv(records: Iterable[dict], stream: TextIO, columns: list[str] = COLUMNS, flat: Callable = flatten,
              header: list[str] | None = None) -> None:
    """CSV with a header row and the same columns as the JSON."""
    for line in csv_lines(records, columns, flat, header):
        stream.write(line)


def flat_cells(record: dict) -> dict:
    """A record without nested values, as cells: strings neutralised, None empty."""
    return {k: neutralize(v) if isinstance(v, str) else ("" if v is None else v) for k, v in record.items()}


#: how many rows decide the column widths (a file streams; its first rows show what its columns hold)
SAMPLE_ROWS = 200
#: a column is never narrower or wider than this (characters); wider text wraps
MIN_WIDTH, MAX_WIDTH = 6, 60
#: A4 landscape holds about this many characters of 11-point text across at 100 %; fitting the width below
#: READABLE_SCALE would make the text too small to read, so such a sheet prints across pages instead
PAGE_CHARACTERS, READABLE_SCALE = 140, 0.7
LINE_POINTS = 15


def column_widths(header: list[str], rows: list[list]) -> list[int]:
    """Each column's width by what it holds: the longest of its header's words and its values (most of them: the
    longest tenth wraps), within MIN_WIDTH and MAX_WIDTH."""
    widths = []
    for index, title in enumerate(header):
        lengths = sorted(_longest_line(row[index]) for row in rows) or [0]
        typical = lengths[int(len(lengths) * 0.9)] if len(lengths) > 1 else lengths[0]
        longest_word = max((len(word) for word in str(title).split()), default=0)
        widths.append(max(MIN_WIDTH, min(MAX_WIDTH, max(typical, longest_word) + 2)))
    return widths


def _longest_line(value) -> int:
    if isinstance(value, date):
        return 10
    return max((len(line) for line in str(value).split("\n")), default=0)


def row_height(values: list, widths: list[int]) -> float:
    """Points a row needs so that its wrapped texts show whole (LibreOffice and Excel print a row at the height the
    file gives; text beyond it overprints the next row)."""
    lines = 1
    for value, width in zip(values, widths, strict=True):
        if isinstance(value, str) and value:
            lines = max(lines, sum(math.ceil(max(1, len(line)) / max(1, width - 1)) for line in value.split("\n")))
    return min(409, lines * LINE_POINTS)  # 409 points: the tallest row a spreadsheet allows


def write_xlsx(records: Iterable[dict], stream: BinaryIO, columns: list[str] = COLUMNS, flat: Callable = flatten,
               title: str = "Mindet", header: list[str] | None = None) -> int:
    """An Excel workbook with one sheet: a bold, frozen header with a filter, dates as dates, column widths by
    content and rows tall enough for their wrapped text; printed on A4 landscape with the header on every page,
    fitted to the page width while the text stays readable (≥ 70 %), else across pages with the first column
    repeated. XlsxWriter's constant-memory mode writes each row to disk as it comes; strings are never read as
    formulas, numbers or links. Returns how many rows it wrote."""
    workbook = xlsxwriter.Workbook(stream, {"constant_memory": True, "strings_to_formulas": False,
                                            "strings_to_numbers": False, "strings_to_urls": False})
    sheet = workbook.add_worksheet(title[:31])
    bold = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    day = workbook.add_format({"num_format": "dd.mm.yyyy", "valign": "top"})
    header = header or columns
    rows = (_cells(flat(record), columns) for record in records)
    sample = list(itertools.islice(rows, SAMPLE_ROWS))
    widths = column_widths(header, sample)
    for index, width in enumerate(widths):
        sheet.set_column(index, index, width, day if columns[index] in DATE_COLUMNS else wrap)
    sheet.freeze_panes(1, 0)
    sheet.repeat_rows(0)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    if sum(widths) * READABLE_SCALE <= PAGE_CHARACTERS:
        sheet.fit_to_pages(1, 0)
    else:
        sheet.repeat_columns(0)
        sheet.print_across()
    sheet.set_row(0, row_height(list(header), widths))
    sheet.write_row(0, 0, header, bold)
    count = 0
    for count, values in enumerate(itertools.chain(sample, rows), 1):
        sheet.set_row(count, row_height(values, widths))
        for index, value in enumerate(values):
            if isinstance(value, date):
                sheet.write_datetime(count, index, value, day)
            elif isinstance(value, str):
                sheet.write_string(count, index, value, wrap)
            else:
                sheet.write(count, index, value, wrap)
    sheet.autofilter(0, 0, count, len(columns) - 1)
    workbook.close()
    return count


def _cells(row: dict, columns: list[str]) -> list:
    return [row.get(column, "") for column in columns]
