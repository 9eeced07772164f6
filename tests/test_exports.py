"""Exports read back: XLSX (openpyxl), CSV, DOCX (python-docx), iCalendar (icalendar); Cyrillic and formulas."""

import csv
import io
import math
import re
from datetime import datetime

import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from icalendar import Calendar
from openpyxl import load_workbook
from sqlmodel import select

from tracker.insight import exports
from tracker.insight.exports import neutralize
from tracker.models import CalendarFeed, Evidence

from .conftest import csrf_token, login, make_user, signed_in
from .reporting_helpers import PDF, post, report_of


@pytest.fixture
def people(db, synced):
    return dict(fp=make_user(db, "fp@example.kz", "focal_point", orgs=["МТСЗН"]),
                secretary=make_user(db, "sec@example.kz", "secretary", instruments=["conflict-prevention-2025-2026"]))



def test_formula_cells_are_neutralised_in_xlsx_and_csv():
    """A cell that begins with =, +, -, @ gets a leading quote, so a spreadsheet shows it as text."""
    hostile = {"obligation": "x/1", "text": "=HYPERLINK(\"http://evil\")", "organization": "+7", "role": "-1",
               "status": "@SUM(A1)"}
    columns = list(hostile)
    buffer = io.BytesIO()
    exports.write_xlsx([hostile], buffer, columns=columns, flat=exports.flat_cells)
    values = list(load_workbook(io.BytesIO(buffer.getvalue())).active.iter_rows(values_only=True))[1]
    assert values == ("x/1", "'=HYPERLINK(\"http://evil\")", "'+7", "'-1", "'@SUM(A1)")
    text = io.StringIO()
    exports.write_csv([hostile], text, columns=columns, flat=exports.flat_cells)
    assert next(csv.DictReader(io.StringIO(text.getvalue())))["text"].startswith("'=")


def test_a_cell_is_neutralised_only_when_a_spreadsheet_would_run_it():
    """Cells that a spreadsheet would run as formulas get a leading quote; others are left alone."""
    assert neutralize("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert neutralize("+7 701") == "'+7 701" and neutralize("@SUM(A1)") == "'@SUM(A1)"
    assert neutralize("- повторные моратории") == "'- повторные моратории"
    assert neutralize("МТСЗН") == "МТСЗН"



def test_overdue_export_matches_the_view_and_its_filters(app, people):
    """XLSX and CSV of the filtered overdue view: every row, not one page; days overdue as numbers."""
    client = signed_in(app, people["secretary"])
    page = client.get("/overdue?organization=МТСЗН").get_data(as_text=True)
    total = int(re.search(r'<small class="muted">(\d+)</small>', page).group(1))
    data = client.get("/overdue.json?organization=МТСЗН").get_json()
    assert len(data) == total and {r["organization"] for r in data} == {"МТСЗН"}
    sheet = load_workbook(io.BytesIO(client.get("/overdue.xlsx?organization=МТСЗН").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == total + 1 and isinstance(rows[1][rows[0].index("Дней просрочки")], int)
    text = client.get("/overdue.csv?organization=МТСЗН").data.decode("utf-8-sig")
    assert len(list(csv.DictReader(io.StringIO(text), delimiter=";"))) == total  # Russian: Excel's ";"


def test_a_roadmap_text_never_starts_a_formula_whichever_separator_excel_splits_on():
    """«Реализация;=1+1;стратегических мер» written unquoted in a comma file became a formula in Russian Excel,
    which splits on ";". Every cell is quoted now, Russian files use ";", English ",": read back with either
    separator, no cell starts a formula and the text is one cell."""
    hostile = {"obligation": "x/1", "text": "Реализация;=1+1;стратегических мер", "organization": "=cmd|' /C calc'!A0",
               "role": "lead, =2+2", "status": "accepted"}
    columns = list(hostile)
    for delimiter in (";", ","):
        text = "".join(exports.csv_lines([hostile], columns, exports.flat_cells, delimiter=delimiter))
        for read_with in (";", ","):
            cells = [cell for row in csv.reader(io.StringIO(text), delimiter=read_with) for cell in row]
            assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells), (delimiter, read_with, cells)
        row = list(csv.reader(io.StringIO(text), delimiter=delimiter))[1]
        assert row[1] == "Реализация;'=1+1;стратегических мер" and row[2] == "'=cmd|' /C calc'!A0"
    assert exports.neutralize("мер, - повторные; +7 701") == "мер, - повторные; '+7 701"  # a dash stays prose
    assert exports.csv_delimiter("ru") == exports.csv_delimiter("kk") == ";" and exports.csv_delimiter("en") == ","


def test_a_streamed_csv_gives_its_database_connection_back(app, people):
    """Each CSV download returns its connection to the pool when it ends (it kept one until garbage collection,
    so that a busy worker's pool ran dry: found by the benchmark)."""
    client = signed_in(app, people["secretary"])
    pool = app.extensions["engine"].pool
    for _ in range(3):
        response = client.get("/overdue.csv")
        assert response.status_code == 200 and response.get_data()
        response.close()
    assert pool.checkedout() == 0


def test_execution_report_docx_and_page(app, db, people):
    """The meeting's report: A4 landscape, page numbers, the summary first, header rows repeated on every page;
    per measure the owner's own note (never the secretary's comment) and its evidence once; overdue reports per
    organization by measure number and days, without the measure's text again — in DOCX and on the page."""
    fp, sec = people["fp"], people["secretary"]
    done = report_of(db, "conflict-prevention-2025-2026/3", "2025", "МТСЗН")
    post(app, db, done.id, fp, "submitted", note="Скоринговая модель **внедрена**:\n\n- в 17 областях\n- [приказ](https://enbek.gov.kz)",
         files=[("Справка №7.pdf", PDF)])
    post(app, db, done.id, sec, "returned", reason="Уточните охват")
    post(app, db, done.id, fp, "submitted", note="Скоринговая модель **внедрена**:\n\n- в 17 областях\n- [приказ](https://enbek.gov.kz)",
         carried=list(db.exec(select(Evidence).where(Evidence.report_id == done.id))))  # the same file: listed once
    post(app, db, done.id, sec, "accepted", note="Принято. Спасибо.")
    late = report_of(db, "conflict-prevention-2025-2026/7", "2025-Q1", "МТСЗН")
    post(app, db, late.id, fp, "submitted", note="Черновик анализа", no_evidence_reason="ДСП")
    post(app, db, late.id, sec, "returned", reason="Нет выводов")
    client = signed_in(app, sec)
    url = f"/checkpoints/{late.checkpoint_id}"
    client.post(f"{url}/reschedule", data={"csrf_token": csrf_token(client, url), "due_on": "2025-09-30",
                                            "reason": "Запрос МТСЗН", "source": "Протокол РТК от 28.04.2025"})
    # the updates were written today (2026): the report for 2025-Q4 shows them in its "today" version
    response = client.get("/instruments/conflict-prevention-2025-2026/execution-report.docx?quarter=2025-Q4"
                          "&as_of=today")
    assert response.headers["Content-Disposition"].startswith("attachment")
    document = Document(io.BytesIO(response.data))
    section = document.sections[0]
    assert section.orientation == WD_ORIENT.LANDSCAPE
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (29.7, 21.0)
    footer = section.footer._element.xml
    assert "PAGE" in footer and "NUMPAGES" in footer and "fldChar" in footer  # «Страница N из M» as fields
    for table in document.tables:
        header = table.rows[0]._tr
        assert header.trPr is not None and header.trPr.find(qn("w:tblHeader")) is not None
        assert sum(column.width.cm for column in table.columns) <= 26.71  # the columns fit the page
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[1] == "Сводка" and headings[2].startswith("1. ")  # the summary before the first section
    summary = document.tables[0]
    assert [row.cells[0].text for row in summary.rows][1:] == [
        "исполнено", "на проверке", "в работе", "возвращено", "не начато", "просрочено"]
    measures = next(t for t in document.tables if t.rows[0].cells[1].text == "Мера")
    assert [cell.text for cell in measures.rows[0].cells] == ["№", "Мера", "Статус", "Кто отчитался", "Что сделано"]
    row = next(r for r in measures.rows if r.cells[0].text == "3")
    done_cell = row.cells[4]
    assert "МТСЗН:" in done_cell.text and "Скоринговая модель внедрена" in done_cell.text and "**" not in done_cell.text
    assert "Принято. Спасибо." not in done_cell.text  # the secretary's verdict is not what was done
    assert done_cell.text.count("Справка №7.pdf") == 1
    bold = [run.text for p in done_cell.paragraphs for run in p.runs if run.bold]
    bullets = [p.text for p in done_cell.paragraphs if p.style.name == "List Bullet"]
    assert "внедрена" in bold and "в 17 областях" in bullets
    assert "https://enbek.gov.kz" in {rel.target_ref for rel in document.part.rels.values() if rel.is_external}
    seven = next(r for r in measures.rows if r.cells[0].text == "7")
    assert "срок перенесён: 31.03.2025 → 30.09.2025 (Протокол РТК от 28.04.2025)" in seven.cells[2].text
    groups = next(r for r in measures.rows if "МИО:" in r.cells[3].text).cells[3].text
    assert re.search(r"МИО: \d+ из 20; не отчитались: АКИМАТ-", groups)  # the group folded, its silent members named
    late_table = document.tables[-1]
    assert [cell.text for cell in late_table.rows[0].cells][0] == "Организация"
    mtszn = next(r for r in late_table.rows if r.cells[0].text.startswith("МТСЗН"))
    assert re.search(r"\d+ \([^)]+\) — \d+", mtszn.cells[2].text)
    assert "Совершенствование системы раннего определения" not in late_table._element.xml  # no measure text again
    page = client.get("/instruments/conflict-prevention-2025-2026/execution-report?quarter=2025-Q4&as_of=today"
                      ).get_data(as_text=True)
    assert "Скоринговая модель <strong>внедрена</strong>" in page and "Принято. Спасибо." not in page
    assert page.index('id="summary-title"') < page.index("<h2>1. ") and page.count("Справка №7.pdf") == 1
    assert "срок перенесён: 31.03.2025 → 30.09.2025" in page
    english = Document(io.BytesIO(client.get("/instruments/conflict-prevention-2025-2026/execution-report.docx"
                                             "?quarter=2025-Q4&as_of=today&lang=en").data))
    english_measures = next(t for t in english.tables if t.rows[0].cells[1].text == "Measure")
    assert [cell.text for cell in english_measures.rows[0].cells][:3] == ["No.", "Measure", "Status"]


def test_calendar_feed_parses_and_can_be_revoked(app, client, db, people):
    """A focal point makes a feed; a calendar client (no cookies) reads all-day events on due dates with the
    measure's text and a link; after revocation the address is dead."""
    login(client, people["fp"].email)
    token = csrf_token(client, "/account/calendar")
    page = client.post("/account/calendar", data={"csrf_token": token, "scope": "user"}).get_data(as_text=True)
    link = re.search(r"http://[^<\s]+/calendar/[^<\s]+\.ics", page).group(0)
    path = "/calendar/" + link.rsplit("/calendar/", 1)[1]
    outsider = app.test_client()
    response = outsider.get(path)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    events = list(calendar.walk("VEVENT"))
    assert len(events) > 50
    event = next(e for e in events if str(e["SUMMARY"]).startswith("Мера 3 · 2025 · Дорожная карта"))
    assert not any("conflict-prevention" in str(e["SUMMARY"]) for e in events)  # names, not keys (issue 22)
    assert str(event["DTSTART"].dt) == "2025-12-31" and str(event["DTEND"].dt) == "2026-01-01"
    assert "Совершенствование системы раннего определения" in str(event["DESCRIPTION"])
    assert str(event["URL"]).startswith("http") and "/checkpoints/" in str(event["URL"])
    tag = response.headers["ETag"]
    unchanged = outsider.get(path, headers={"If-None-Match": tag})
    assert unchanged.status_code == 304 and not unchanged.data  # an unchanged feed is not built again
    report = report_of(db, "conflict-prevention-2025-2026/3", "2025", "МТСЗН")
    post(app, db, report.id, people["fp"], "in_progress", note="Начато")  # any change (audited) renews the tag
    changed = outsider.get(path, headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag
    feed = db.exec(select(CalendarFeed)).one()
    assert feed.token_hash not in link  # only a hash is stored
    client.post(f"/account/calendar/{feed.id}/revoke", data={"csrf_token": csrf_token(client, "/account/calendar")})
    assert outsider.get(path).status_code == 404


def test_instrument_feed_and_foreign_organization_feed(app, client, db, people):
    """An instrument feed lists every checkpoint of it; a focal point cannot make a feed of another organization."""
    login(client, people["fp"].email)
    token = csrf_token(client, "/account/calendar")
    assert client.post("/account/calendar", data={"csrf_token": token, "scope": "organization",
                                                   "key": "МЮ"}).status_code == 404
    page = client.post("/account/calendar", data={"csrf_token": token, "scope": "instrument",
                                                  "key": "decent-work-2024-2025"}).get_data(as_text=True)
    path = "/calendar/" + re.search(r"/calendar/([^<\s]+\.ics)", page).group(1)
    calendar = Calendar.from_ical(app.test_client().get(path).data)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 22  # one checkpoint per measure of the ILO roadmap
    assert "decent-work" not in str(calendar["X-WR-CALNAME"]) and "decent-work" not in str(events[0]["SUMMARY"])


@pytest.mark.parametrize("lang,key_header,status_word", [("ru", "Ключ", "не начато"), ("en", "Key", "not started")])
def test_obligation_list_files_speak_the_readers_language(app, people, lang, key_header, status_word):
    """The XLSX and CSV of the measures: the JSON's columns (codes, for programs) under headers in the reader's
    language, status words instead of codes, Cyrillic texts intact, 31 measures."""
    client = signed_in(app, people["fp"])
    base = "/instruments/conflict-prevention-2025-2026/obligations"
    records = client.get(f"{base}.json").get_json()
    sheet = load_workbook(io.BytesIO(client.get(f"{base}.xlsx?lang={lang}").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == key_header and len(rows[0]) == len(exports.COLUMNS) and len(rows) == 1 + len(records) == 32
    assert rows[1][0] == records[0]["key"] and rows[1][5] == records[0]["text"] and "МТСЗН" in rows[1][9]
    words = " ".join(str(cell) for row in rows[1:] for cell in row if cell)
    assert status_word in words and "not_started" not in words
    response = client.get(f"{base}.csv?lang={lang}")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    delimiter = ";" if lang == "ru" else ","
    parsed = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=delimiter))
    assert list(parsed[0])[0] == key_header and len(parsed) == 31


def test_the_overdue_workbook_has_dates_a_filter_and_prints_readably(app, people):
    """Real dates (formatted DD.MM.YYYY), a frozen header with an autofilter over every row, wrapped texts in rows
    tall enough to hold them, columns as wide as what they hold; landscape A4 with the header on every page, fitted
    to the page width only while the text stays readable, else printed across pages with the first column repeated
    (issue 22: wrapped cells overprinted the next rows and 13 columns were squeezed too small to read)."""
    client = signed_in(app, people["secretary"])
    sheet = load_workbook(io.BytesIO(client.get("/overdue.xlsx").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    due = rows[0].index("Срок")
    assert isinstance(rows[1][due], datetime) and sheet.cell(2, due + 1).number_format.lower() == "dd.mm.yyyy"
    last_column = sheet.cell(1, len(rows[0])).column_letter
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:{last_column}{len(rows)}"
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
    assert sheet.print_title_rows == "$1:$1"
    widths = [sheet.column_dimensions[sheet.cell(1, i + 1).column_letter].width for i in range(len(rows[0]))]
    text = rows[0].index("Мера")
    assert widths[text] > 2 * widths[due] and max(widths) <= exports.MAX_WIDTH + 1  # + the file's padding
    assert sheet.cell(2, text + 1).alignment.wrap_text
    for number, row in enumerate(rows[1:], start=2):  # every wrapped text has the lines it needs
        lines = max(math.ceil(len(str(v)) / (w - 1)) for v, w in zip(row, widths, strict=True) if v)
        assert sheet.row_dimensions[number].height >= min(409, lines * 15)
    if sum(widths) * exports.READABLE_SCALE <= exports.PAGE_CHARACTERS:
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToHeight == 0
    else:
        assert not sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.print_title_cols == "$A:$A"


def test_a_narrow_sheet_fits_the_page_width_and_a_wide_one_prints_across_pages():
    """Three short columns fit one page wide; twelve long texts would shrink below 70 %, so they print across
    pages with the first column repeated, at full size."""
    def printed(columns: int, text: str):
        stream = io.BytesIO()
        names = [f"c{i}" for i in range(columns)]
        exports.write_xlsx(({name: text for name in names} for _ in range(5)), stream, columns=names,
                           flat=exports.flat_cells)
        return load_workbook(io.BytesIO(stream.getvalue())).active
    narrow = printed(3, "кратко")
    assert narrow.sheet_properties.pageSetUpPr.fitToPage and narrow.page_setup.fitToHeight == 0
    wide = printed(12, "длинный текст меры " * 10)
    assert not wide.sheet_properties.pageSetUpPr.fitToPage and wide.print_title_cols == "$A:$A"
    assert wide.row_dimensions[2].height >= 4 * 15  # 190 characters in a 60-wide column: four lines
