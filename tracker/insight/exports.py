"""Writing records as JSON, CSV or XLSX (CSV and XLSX flatten the JSON's nested lists; formulas neutralised)."""

from __future__ import annotations

import csv
import json
from typing import BinaryIO, TextIO

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

COLUMNS = ["key", "instrument", "section", "section_title", "number", "text", "result", "deadline_text",
           "deadline_kind", "owners", "checkpoints", "next_due_on", "status", "source", "retired"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value: str) -> str:
    """Prefix a quote to a cell that a spreadsheet would run as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _flatten_owner(owner: dict) -> str:
    flags = [flag for flag, on in (("lead", owner["lead"]), ("by agreement", owner["by_agreement"])) if on]
    return owner["code"] + (f" ({', '.join(flags)})" if flags else "")


def flatten(record: dict) -> dict:
    """One CSV row: owners as "МТСЗН (lead); РОР (by agreement)", checkpoints as "2025-Q1 2025-03-31 overdue"."""
    row = dict(record)
    row["owners"] = "; ".join(_flatten_owner(o) for o in record["owners"])
    row["checkpoints"] = "; ".join(f"{c['period']} {c['due_on']} {c['status']}" for c in record["checkpoints"])
    row["retired"] = "yes" if record["retired"] else "no"
    return flat_cells(row)


def write_json(records: list[dict], stream: TextIO) -> None:
    """A JSON list, UTF-8 text kept readable (no \\u escapes)."""
    json.dump(records, stream, ensure_ascii=False, indent=2)
    stream.write("\n")


def write_csv(records: list[dict], stream: TextIO, columns: list[str] = COLUMNS, flat=flatten) -> None:
    """CSV with a header row and the same columns as the JSON."""
    writer = csv.DictWriter(stream, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for record in records:
        writer.writerow(flat(record))


def flat_cells(record: dict) -> dict:
    """A record without nested values, as cells: strings neutralised, None empty."""
    return {k: neutralize(v) if isinstance(v, str) else ("" if v is None else v) for k, v in record.items()}


def write_xlsx(records: list[dict], stream: BinaryIO, columns: list[str] = COLUMNS, flat=flatten,
               title: str = "Mindet") -> None:
    """An Excel workbook with one sheet: a bold, frozen header row and the same columns as the JSON."""
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append(columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for record in records:
        row = flat(record)
        sheet.append([row.get(column, "") for column in columns])
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, 1):
        wide = column in ("text", "section_title", "checkpoints", "owners")
        sheet.column_dimensions[get_column_letter(index)].width = 60 if wide else 16
    workbook.save(stream)
