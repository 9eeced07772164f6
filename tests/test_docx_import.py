"""`mindet roadmaps import-docx`: Word tables built here with python-docx in the layouts of both seed roadmaps
(003: sections, measures numbered anew in each section, sub-items and line breaks inside cells, a Latin "M" in
"MЮ"; 004: section rows spanning the table, "(по согласованию)", its own column order) give a YAML draft that
passes `check` and equals the committed roadmap measure by measure."""

import html
import io
import re
import shutil

import docx
import pytest
import yaml

from tracker.catalog.docx_import import DocxImportError, draft_from_docx
from tracker.catalog.loader import load_catalog

from .conftest import ROADMAPS, csrf_token, make_user, signed_in

#: each seed's header row, in its column order, and how a measure's number is written in its № column
LAYOUTS = {
    "decent-work-2024-2025": (["№", "Мера", "Сроки", "Ответственные и заинтересованные стороны", "Результат"],
                              lambda number: number.split(".")[-1] + "."),
    "conflict-prevention-2025-2026": (["№ п/п", "Наименование", "Форма завершения", "Срок исполнения",
                                       "Ответственные исполнители"], lambda number: number + "."),
}
#: the conflict roadmap's header as the Kazakh version of such a table has it
KAZAKH_HEADER = ["Р/с №", "Іс-шаралар атауы", "Аяқтау нысаны", "Орындау мерзімі", "Жауапты орындаушылар"]
COLUMN = {"Р/с №": "number", "Іс-шаралар атауы": "text", "Аяқтау нысаны": "result", "Орындау мерзімі": "deadline",
          "Жауапты орындаушылар": "owners", "№": "number", "№ п/п": "number", "Мера": "text", "Наименование": "text",
          "Сроки": "deadline", "Срок исполнения": "deadline", "Результат": "result", "Форма завершения": "result",
          "Ответственные и заинтересованные стороны": "owners", "Ответственные исполнители": "owners"}


def _fill(cell, text: str, *, breaks: bool) -> None:
    """Lines as paragraphs (003) or as line breaks inside one paragraph (004)."""
    lines = text.split("\n")
    if breaks:
        run = cell.paragraphs[0].add_run(lines[0])
        for line in lines[1:]:
            run.add_break()
            run.add_text(line)
        return
    cell.text = lines[0]
    for line in lines[1:]:
        cell.add_paragraph(line)


def _word_file(key: str, folder, header=None) -> tuple:
    """The committed roadmap `key` typed into a Word table the way its seed document has it."""
    data = yaml.safe_load((ROADMAPS / f"{key}.yaml").read_text(encoding="utf-8"))
    seed_header, written_number = LAYOUTS[key]
    header = header or seed_header
    breaks = key.startswith("conflict")
    document = docx.Document()
    document.add_paragraph("Утверждена Протоколом заседания РТК")
    document.add_paragraph(data["instrument"]["title"]["ru"])
    table = document.add_table(rows=1, cols=len(header))
    for cell, title in zip(table.rows[0].cells, header, strict=True):
        cell.text = title
    for section in data["sections"]:
        merged = table.add_row().cells
        merged[0].merge(merged[-1]).text = f"{section['number']}. {section['title']['ru']}"
        for ob in section["obligations"]:
            owners = ob.get("owners") or data.get("defaults", {}).get("owners")
            values = {"number": written_number(ob["number"]), "text": ob["text"], "result": ob.get("result", ""),
                      "deadline": ob["deadline"].replace(" 20", "\n20", 1) if not breaks else ob["deadline"],
                      "owners": ",\n".join(", ".join(owners[i:i + 2]) for i in range(0, len(owners), 2))}
            if not breaks:
                values["owners"] = values["owners"].replace("МЮ", "MЮ")  # a Latin M, as in the seed
            for cell, title in zip(table.add_row().cells, header, strict=True):
                _fill(cell, values[COLUMN[title]], breaks=breaks)
    path = folder / f"{key}.docx"
    document.save(path)
    return path


def _measures(folder, key):
    plan = next(p for p in load_catalog(folder).instruments if p.spec.key == key)
    return [(o.number, o.text, o.result, o.deadline.text, [(w.code, w.is_lead, w.is_by_agreement) for w in o.owners])
            for o in plan.obligations]


@pytest.mark.parametrize("key", LAYOUTS)
def test_a_word_table_becomes_the_committed_roadmap(tmp_path, key):
    """The draft passes check; numbers, texts, results, deadlines, owners and their flags equal the committed
    file's, measure by measure; every guess carries a comment."""
    word = _word_file(key, tmp_path)
    draft = draft_from_docx(word, key, ROADMAPS)
    assert draft.problems == [], draft.problems
    folder = tmp_path / "draft"
    folder.mkdir()
    shutil.copy(ROADMAPS / "organizations.yaml", folder)
    (folder / f"{key}.yaml").write_text(draft.yaml, encoding="utf-8")
    committed = _measures(ROADMAPS, key)
    assert _measures(folder, key) == committed and draft.measures == len(committed)
    assert "# guess" in draft.yaml and "# row " in draft.yaml
    if key.startswith("decent"):
        assert "«MЮ» read as МЮ (Latin letters)" in draft.yaml and "numbering:" in draft.yaml


def test_a_kazakh_header_row_is_read_too(tmp_path):
    """The same table under Kazakh column titles gives the same measures."""
    key = "conflict-prevention-2025-2026"
    draft = draft_from_docx(_word_file(key, tmp_path, header=KAZAKH_HEADER), key, ROADMAPS)
    assert draft.problems == [] and draft.measures == len(_measures(ROADMAPS, key))


def test_prose_owners_and_bad_rows_are_named_with_their_row(tmp_path):
    """An owner that is no organization, and a row without a number: each problem names its table row; a file
    that is not Word is refused with what to do."""
    document = docx.Document()
    document.add_paragraph("Дорожная карта проверки")
    table = document.add_table(rows=1, cols=4)
    for cell, title in zip(table.rows[0].cells, ["№", "Мероприятие", "Срок", "Исполнители"], strict=True):
        cell.text = title
    section = table.add_row().cells
    section[0].merge(section[-1]).text = "1. Раздел"
    for values in (["1.", "Мера", "2025 год", "МТСЗН, заинтересованные государственные органы"],
                   ["", "Строка без номера", "2025 год", "МТСЗН"]):
        for cell, value in zip(table.add_row().cells, values, strict=True):
            cell.text = value
    path = tmp_path / "t.docx"
    document.save(path)
    draft = draft_from_docx(path, "test-roadmap", ROADMAPS)
    said = [str(p) for p in draft.problems]
    # once per thing to decide, where the table has it, in words (no «sections[0].obligations[0].owners[1]»)
    assert said == ["Строка 3, мера 1, столбец «Исполнители»: «заинтересованные государственные органы» — не код "
                    "и не другое название организации из справочника: решите, какая это организация",
                    "Строка 4: в столбце № нет номера меры («»): строка пропущена"], said
    not_word = tmp_path / "x.docx"
    not_word.write_text("hello")
    with pytest.raises(DocxImportError, match="не читается как документ Word"):
        draft_from_docx(not_word, "x", ROADMAPS)


def test_what_the_check_refuses_is_said_in_words_of_the_table(app, db, synced, tmp_path):
    """A deadline nobody can read and one outside the years of the table: the page says which row, which measure
    and which column, in the reader's language, without the check's internal paths or English (issue 22, item 8)."""
    document = docx.Document()
    table = document.add_table(rows=1, cols=4)
    for cell, title in zip(table.rows[0].cells, ["№", "Мероприятие", "Срок", "Исполнители"], strict=True):
        cell.text = title
    for values in (["1.", "Мера", "когда-нибудь", "МТСЗН"], ["2.", "Мера два", "2025 год", "МТСЗН, МТСЗН"]):
        for cell, value in zip(table.add_row().cells, values, strict=True):
            cell.text = value
    path = tmp_path / "t.docx"
    document.save(path)
    client = signed_in(app, make_user(db, "sec@example.kz", "secretary", instruments=["conflict-prevention-2025-2026"]))
    for language, expected in (("ru", ["Строка 2, мера 1, столбец «Срок»: срок «когда-нибудь» не распознан",
                                        "Строка 3, мера 2, столбец «Исполнители»: исполнитель МТСЗН указан дважды"]),
                               ("en", ["Row 2, measure 1, column «Due date»: the deadline «когда-нибудь» is not "
                                       "understood", "Row 3, measure 2, column «Executors»: owner МТСЗН is listed "
                                       "twice"])):
        client.get(f"/?lang={language}")
        page = client.post("/roadmaps/import", content_type="multipart/form-data", data={
            "csrf_token": csrf_token(client, "/roadmaps/import"), "key": "test-2025",
            "document": (path.open("rb"), "карта.docx")}).get_data(as_text=True)
        items = [html.unescape(item) for item in re.findall(r"<li>(.*?)</li>", page, re.S)]
        for start in expected:
            assert any(item.startswith(start) for item in items), items
        problems = page[page.index('role="alert"'):page.index("</ul>", page.index('role="alert"'))]
        assert "sections[" not in problems and "obligation" not in problems and "check:" not in problems


def test_the_command_writes_the_draft_and_lists_what_to_decide(app, runner, tmp_path):
    """`mindet roadmaps import-docx FILE --instrument KEY --out PATH`: the draft on disk and exit 0 when clean."""
    word = _word_file("conflict-prevention-2025-2026", tmp_path)
    out = tmp_path / "conflict-prevention-2025-2026.yaml"
    result = runner.invoke(args=["roadmaps", "import-docx", str(word), "--instrument",
                                 "conflict-prevention-2025-2026", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "31 measures" in result.output and "obligations:" in out.read_text(encoding="utf-8")
    missing = runner.invoke(args=["roadmaps", "import-docx", str(tmp_path / "none.docx"), "--instrument", "x"])
    assert missing.exit_code == 2 and "does not exist" in missing.output


def test_a_secretary_imports_on_the_web_page_and_downloads_the_yaml(app, db, synced, tmp_path):
    """Upload → the draft and its problems on the page (nothing written to the database) → the YAML as a file;
    a focal point has no such page; a file that is not Word is refused with the reason."""
    secretary = make_user(db, "sec@example.kz", "secretary", instruments=["conflict-prevention-2025-2026"])
    client = signed_in(app, secretary)
    word = _word_file("conflict-prevention-2025-2026", tmp_path)
    page = client.post("/roadmaps/import", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(client, "/roadmaps/import"), "key": "conflict-prevention-2027-2028",
        "document": (word.open("rb"), "карта.docx")})
    text = page.get_data(as_text=True)
    # counted as «разделов: 6, мер: 31», which reads right for any number (never «1 разделов»)
    assert page.status_code == 200 and "разделов: 6, мер: 31" in text and "Проблем не найдено" in text
    draft = re.search(r'<textarea name="draft" hidden aria-hidden="true">(.*?)</textarea>', text, re.S).group(1)
    yaml_text = html.unescape(draft)
    download = client.post("/roadmaps/import/draft.yaml", data={
        "csrf_token": csrf_token(client, "/roadmaps/import"), "key": "conflict-prevention-2027-2028",
        "draft": yaml_text})
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == 'attachment; filename="conflict-prevention-2027-2028.yaml"'
    assert download.get_data(as_text=True) == yaml_text and "key: conflict-prevention-2027-2028" in yaml_text
    refused = client.post("/roadmaps/import", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(client, "/roadmaps/import"), "key": "x-1",
        "document": (io.BytesIO(b"%PDF-1.7 not word"), "карта.docx")})
    assert refused.status_code == 400 and "DOCX" in refused.get_data(as_text=True).upper()
    focal = signed_in(app, make_user(db, "fp@example.kz", "focal_point", orgs=["МТСЗН"]))
    assert focal.get("/roadmaps/import").status_code == 404
