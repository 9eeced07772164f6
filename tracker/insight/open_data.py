"""Open data: what the public view shows, as a Frictionless Data Package (CSV files, `datapackage.json` with field
types and descriptions in Russian and English) plus the same tables in one JSON file, and all of it zipped.

Published: the public instruments' measures, their checkpoints with whether each is accepted, the public parts of
their accepted lead reports (what was done, published evidence), and the public indicators (of any instrument),
their targets and accepted values with their judgement. Nothing else: no drafts, notes of secretaries, or people.
Rebuilt daily by the clock (and by `mindet open-data build`) into a new folder that replaces the old one whole.
"""

from __future__ import annotations

import csv
import json
import shutil
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from filelock import FileLock
from sqlmodel import Session

from tracker.as_of import Moment
from tracker.insight import indicators, public
from tracker.timeutil import ALMATY

PACKAGE_NAME = "mindet-open-data"
ZIP_NAME = f"{PACKAGE_NAME}.zip"
JSON_NAME = "data.json"
LICENSE = {"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
           "title": "Creative Commons Attribution 4.0"}


@dataclass(frozen=True)
class Column:
    """A field of a table: its name, Table Schema type, and what it holds in Russian and English."""

    name: str
    type: str
    ru: str
    en: str


def _c(name: str, kind: str, ru: str, en: str) -> Column:
    return Column(name, kind, ru, en)


TABLES: dict[str, tuple[str, str, list[Column]]] = {
    "measures": ("Меры публичных документов", "Measures of the public instruments", [
        _c("instrument", "string", "Ключ документа", "Instrument key"),
        _c("instrument_title", "string", "Название документа", "Instrument title (Russian)"),
        _c("section", "string", "Номер раздела", "Section number"),
        _c("number", "string", "Номер меры", "Measure number"),
        _c("key", "string", "Ключ меры", "Measure key"),
        _c("text", "string", "Текст меры (дословно)", "Measure text, verbatim (Russian)"),
        _c("result", "string", "Ожидаемый результат", "Expected result"),
        _c("deadline", "string", "Срок, как в документе", "Deadline as written"),
        _c("owners", "string", "Исполнители, как в документе", "Owners as written"),
    ]),
    "checkpoints": ("Контрольные точки мер и их статус", "Checkpoints of the measures and their status", [
        _c("measure", "string", "Ключ меры", "Measure key"),
        _c("period", "string", "Период", "Period"),
        _c("due_on", "date", "Срок", "Due date"),
        _c("original_due_on", "date", "Срок по документу", "Due date set by the instrument"),
        _c("accepted", "boolean", "Исполнение принято секретарём", "Execution accepted by the secretary"),
    ]),
    "reports": ("Принятые отчёты: что сделано", "Accepted reports: what was done", [
        _c("measure", "string", "Ключ меры", "Measure key"),
        _c("period", "string", "Период", "Period"),
        _c("organization", "string", "Исполнитель (код)", "Owner (code)"),
        _c("what_was_done", "string", "Что сделано", "What was done (as reported)"),
        _c("evidence", "string", "Опубликованные подтверждения (ссылки через пробел)",
           "Published evidence (links, space-separated)"),
    ]),
    "indicators": ("Публичные целевые индикаторы", "Public target indicators", [
        _c("key", "string", "Ключ индикатора", "Indicator key"),
        _c("instrument", "string", "Ключ документа", "Instrument key"),
        _c("measure", "string", "Ключ меры (пусто — документ в целом)", "Measure key (empty: the whole instrument)"),
        _c("name_ru", "string", "Название", "Name in Russian"),
        _c("name_en", "string", "Название (англ.)", "Name in English"),
        _c("unit", "string", "Единица", "Unit"),
        _c("direction", "string", "Направление: up, down, band", "Direction: up, down, band"),
        _c("band_low", "number", "Нижняя граница коридора", "Band: low"),
        _c("band_high", "number", "Верхняя граница коридора", "Band: high"),
        _c("tolerance", "number", "Допуск, % запланированного изменения", "Tolerance, % of the planned change"),
        _c("baseline_value", "number", "Базовое значение", "Baseline value"),
        _c("baseline_on", "date", "Дата базового значения", "Baseline date"),
        _c("baseline_source", "string", "Источник базового значения", "Source of the baseline"),
        _c("reporter", "string", "Кто сообщает значения (код)", "Reporting organization (code)"),
        _c("frequency", "string", "Периодичность", "Frequency"),
        _c("judgement", "string", "Оценка: on_track, at_risk, off_track, no_data",
           "Judgement: on_track, at_risk, off_track, no_data"),
    ]),
    "indicator_targets": ("Цели индикаторов", "Targets of the indicators", [
        _c("indicator", "string", "Ключ индикатора", "Indicator key"),
        _c("period", "string", "Период", "Period"),
        _c("due_on", "date", "Конец периода", "End of the period"),
        _c("value", "number", "Целевое значение", "Target value"),
        _c("final", "boolean", "Итоговая цель", "Final target"),
        _c("source", "string", "Источник", "Source"),
    ]),
    "indicator_values": ("Принятые значения индикаторов", "Accepted values of the indicators", [
        _c("indicator", "string", "Ключ индикатора", "Indicator key"),
        _c("period", "string", "Период", "Period"),
        _c("period_end", "date", "Конец периода", "End of the period"),
        _c("value", "number", "Значение", "Value"),
        _c("expected", "number", "По плану на конец периода", "Planned value at the end of the period"),
        _c("judgement", "string", "Оценка", "Judgement"),
        _c("source", "string", "Источник значения", "Source of the value"),
        _c("evidence_url", "string", "Ссылка на публикацию", "Link to the publication"),
        _c("accepted_on", "date", "Дата принятия", "Day accepted"),
    ]),
}


def _rows(session: Session, base_url: str, today: date) -> dict[str, list[dict]]:
    """Every table's rows, as plain values in column order."""
    tables: dict[str, list[dict]] = {name: [] for name in TABLES}
    for instrument in public.public_instruments(session):
        page = public.instrument_page(session, instrument)
        keys = {}
        for obligation, section in page["obligations"]:
            keys[obligation.id] = obligation.key
            tables["measures"].append(dict(
                instrument=instrument.key, instrument_title=instrument.title_ru, section=section.number,
                number=obligation.number, key=obligation.key, text=obligation.text, result=obligation.result or "",
                deadline=obligation.deadline_text, owners=obligation.owners_text))
        for obligation_id, checkpoints in page["checkpoints"].items():
            for cp in checkpoints:
                tables["checkpoints"].append(dict(measure=keys.get(obligation_id, ""), period=cp.label or cp.period,
                                                  due_on=cp.due_on, original_due_on=cp.original_due_on,
                                                  accepted=cp.id in page["accepted"]))
        evidence = public.published_by_report(session, instrument)
        for obligation_id, _checkpoint, report_id, period, code in page["leads"]:
            links = [e.url if e.kind == "link" else f"{base_url}/public/evidence/{e.id}"
                     for e in evidence.get(report_id, [])]
            note = page["report_notes"].get(report_id)
            tables["reports"].append(dict(measure=keys.get(obligation_id, ""), period=period, organization=code,
                                          what_was_done=(note.note or "") if note else "", evidence=" ".join(links)))
    for view in indicators.indicator_views(session, Moment.today(today), public_only=True):
        ind = view.indicator
        tables["indicators"].append(dict(
            key=ind.key, instrument=view.instrument.key, measure=view.obligation.key if view.obligation else "",
            name_ru=ind.name_ru, name_en=ind.name_en or "", unit=ind.unit, direction=ind.direction,
            band_low=ind.band_low, band_high=ind.band_high, tolerance=ind.tolerance,
            baseline_value=ind.baseline_value, baseline_on=ind.baseline_on, baseline_source=ind.baseline_source,
            reporter=view.reporter.code, frequency=ind.frequency, judgement=view.judgement))
        tables["indicator_targets"] += [dict(indicator=ind.key, period=t["period"], due_on=date.fromisoformat(
            t["due_on"]), value=t["value"], final=bool(t.get("final")), source=t["source"]) for t in ind.targets]
        tables["indicator_values"] += [dict(
            indicator=ind.key, period=p.period, period_end=p.period_end, value=p.value,
            expected=round(p.expected, 4) if p.expected is not None else None, judgement=p.judgement,
            source=p.row.source, evidence_url=p.row.evidence_url or "",
            accepted_on=p.row.decided_at.date() if p.row.decided_at else None) for p in view.points]
    return tables


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value) if value != int(value) else str(int(value))
    return str(value)


def descriptor(built_at: datetime) -> dict:
    """The datapackage.json: one resource per table, each field typed and described in Russian and English."""
    return {
        "name": PACKAGE_NAME,
        "title": "Mindet: исполнение трёхсторонних документов / execution of tripartite instruments",
        "description": "Публичные меры, контрольные точки, принятые отчёты и целевые индикаторы. "
                       "Public measures, checkpoints, accepted reports and target indicators.",
        "created": built_at.isoformat(timespec="seconds"),
        "licenses": [LICENSE],
        "resources": [{
            "name": name, "path": f"{name}.csv", "profile": "tabular-data-resource", "format": "csv",
            "mediatype": "text/csv", "encoding": "utf-8", "title": ru, "description": en,
            "schema": {"fields": [{"name": c.name, "type": c.type, "title": c.ru, "description": c.en}
                                  for c in columns]},
        } for name, (ru, en, columns) in TABLES.items()],
    }


@dataclass(frozen=True)
class Built:
    """What a build wrote: rows per table and where."""

    directory: Path
    counts: dict[str, int]
    built_at: datetime


def build(session: Session, directory: Path, *, base_url: str, now: datetime, today: date) -> Built:
    """Write the package into a fresh folder beside `directory`, then put it in its place (readers never see half a
    package); one build at a time (the clock, a command and the first visitor may start one together)."""
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    with _lock(directory):
        tables = _rows(session, base_url.rstrip("/"), today)
        _write(directory, tables, now)
    return Built(directory, {name: len(rows) for name, rows in tables.items()}, now)


def refresh(session: Session, directory: Path, *, base_url: str, now: datetime, today: date) -> dict[str, int]:
    """Build the package unless it was already built today (Almaty): the clock asks on every tick, the package's
    page before it is first shown. Rows per table of a build, {} when none was needed."""
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    with _lock(directory):  # asked again under the lock: whoever waited for a build does not repeat it
        built = built_at(directory)
        if built is not None and built.astimezone(ALMATY).date() >= today:
            return {}
        return build(session, directory, base_url=base_url, now=now, today=today).counts


def _lock(directory: Path) -> FileLock:
    """The lock of one package folder (re-entrant in a thread: `refresh` holds it while `build` takes it)."""
    return FileLock(f"{directory}.lock", is_singleton=True)


def _write(directory: Path, tables: dict[str, list[dict]], now: datetime) -> None:
    fresh = directory.with_name(directory.name + ".new")
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir()
    for name, (_ru, _en, columns) in TABLES.items():
        with (fresh / f"{name}.csv").open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow([c.name for c in columns])
            writer.writerows([_cell(row[c.name]) for c in columns] for row in tables[name])
    (fresh / "datapackage.json").write_text(json.dumps(descriptor(now), ensure_ascii=False, indent=2),
                                            encoding="utf-8")
    (fresh / JSON_NAME).write_text(json.dumps({name: [{k: _json(v) for k, v in row.items()} for row in rows]
                                               for name, rows in tables.items()}, ensure_ascii=False, indent=1),
                                   encoding="utf-8")
    with zipfile.ZipFile(fresh / ZIP_NAME, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(fresh.iterdir()):
            if path.name != ZIP_NAME:
                bundle.write(path, path.name)
    old = directory.with_name(directory.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if directory.exists():
        directory.rename(old)
    fresh.rename(directory)
    shutil.rmtree(old, ignore_errors=True)


def _json(value):
    return value.isoformat() if isinstance(value, date) else value


def files(directory: Path) -> list[Path]:
    """The package's files as built (empty before the first build)."""
    directory = Path(directory)
    return sorted(p for p in directory.iterdir() if p.is_file()) if directory.is_dir() else []


def built_at(directory: Path) -> datetime | None:
    """When the package in `directory` was built (its descriptor's `created`), or None."""
    path = Path(directory) / "datapackage.json"
    if not path.is_file():
        return None
    return datetime.fromisoformat(json.loads(path.read_text(encoding="utf-8"))["created"])
