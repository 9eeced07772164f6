"""A roadmap's Word table → a YAML draft in the documented format (roadmaps/README.md), with a comment at every
guess, and what `mindet roadmaps check` would refuse, each with the table's row number.

The table is found by its header row (Russian or Kazakh words for number, measure, form of completion, deadline,
owners, in any order). Rows whose cells are one merged text ("1. Мониторинг …") are sections; rows with a number
are measures. Owners are resolved through organizations.yaml (codes and aliases; Latin look-alike letters are
read as Cyrillic; "(по согласованию)" kept); what resolves to no organization is flagged for a person.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import docx
from docx.opc.exceptions import PackageNotFoundError
from flask_babel import gettext as _

from tracker.catalog.check_words import check_message, field_word
from tracker.catalog.format import split_owner
from tracker.catalog.loader import OwnerDirectory, check_files, owner_directory

#: Latin letters that look like Cyrillic ones: "MЮ" typed with a Latin M is МЮ
LOOKALIKES = str.maketrans("ABCEHKMOPTXaceopxy", "АВСЕНКМОРТХасеорху")
#: words of the header cells, lower-case (Russian, Kazakh), for each column the draft needs
COLUMN_WORDS = {
    "number": ("№", "п/п", "р/с", "р/н"),
    "text": ("мера", "наименование", "мероприят", "іс-шара", "шаралар", "атауы"),
    "result": ("форма заверш", "результат", "аяқтау нысаны", "нәтиже"),
    "deadline": ("срок", "мерзім"),
    "owners": ("ответствен", "исполнител", "жауапты", "орындау"),
}
ITEM_NUMBER = re.compile(r"^(\d+(?:\.\d+)*)\.?$")
SECTION = re.compile(r"^(\d+)\.?\s+(\S.*)$", re.DOTALL)
YEAR = re.compile(r"\b(20\d\d)\b")
OWNER_SEPARATORS = re.compile(r"[,;\n]+")
#: how a draft's comment marks an owner nobody could resolve (the YAML's comments stay in English, as its keys)
UNDECIDED = "a person must decide"


class DocxImportError(ValueError):
    """The file cannot be read as a roadmap table; the message says why and what to do."""


@dataclass
class Measure:
    """One measure as read from its row."""

    row: int
    section: str
    number: str
    text: str
    result: str | None
    deadline: str | None
    owners: list[str]
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Finding:
    """Something a person must decide, where the table has it: its row, the measure, the column; in the reader's
    language (Russian on the command line)."""

    message: str
    row: int | None = None
    measure: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = [_("строка %(row)d", row=self.row) if self.row else None,
                 _("мера %(number)s", number=self.measure) if self.measure else None, self.field]
        place = ", ".join(part for part in where if part)
        return f"{place[:1].upper()}{place[1:]}: {self.message}" if place else self.message


@dataclass
class Draft:
    """The YAML draft and what a person must look at."""

    yaml: str
    problems: list[Finding]
    measures: int
    sections: int


def _cell(cell) -> str:
    """A cell's text, paragraphs and line breaks as new lines, each line without trailing spaces."""
    return "\n".join(line.rstrip() for line in cell.text.replace("\r", "").split("\n")).strip()


def _one_line(text: str) -> str | None:
    return " ".join(text.split()) or None


def _columns(header: list[str]) -> dict[str, int] | None:
    """Column index of each needed column, from the header's words; None if this is not the roadmap's header."""
    found = {}
    for index, text in enumerate(header):
        low = text.lower()
        for column, words in COLUMN_WORDS.items():
            if column not in found and any(word in low for word in words):
                found[column] = index
                break
    return found if {"number", "text", "deadline", "owners"} <= found.keys() else None


def _table(document):
    """The first table with a recognisable header row: (table, columns, header row index)."""
    for table in document.tables:
        for index, row in enumerate(table.rows[:3]):
            columns = _columns([_cell(cell) for cell in row.cells])
            if columns:
                return table, columns, index
    raise DocxImportError(_("В файле нет таблицы со строкой заголовков «№», «мера», «срок», «исполнители» (на русском "
                            "или казахском): это файл дорожной карты?"))


def _resolve(entry: str, directory: OwnerDirectory, row: int) -> tuple[str, str | None]:
    """An owner as the YAML writes it (the canonical code, "(по согласованию)" kept), and a note when the table
    wrote it otherwise, or when it is no organization at all."""
    name, by_agreement = split_owner(entry)
    code = directory.resolve(name) or directory.resolve(name.translate(LOOKALIKES))
    if code is None:
        return entry, f"row {row}: «{name}» is no organization code or alias: {UNDECIDED}"
    written = code + (" (по согласованию)" if by_agreement else "")
    if code == name:
        return written, None
    why = "Latin letters" if name != name.translate(LOOKALIKES) else "an alias"
    return written, f"row {row}: «{name}» read as {code} ({why})"


def read_measures(document, directory: OwnerDirectory) -> tuple[list[Measure], list[tuple[str, str]], list[str]]:
    """Measures, sections (number, title) and problems of the document's roadmap table."""
    table, columns, header_row = _table(document)
    measures, sections, problems = [], [], []
    for index, row in enumerate(table.rows[header_row + 1:], start=header_row + 2):  # rows counted from 1
        texts = [_cell(cell) for cell in row.cells]
        filled = [t for t in texts if t]
        if not filled:
            continue
        number = texts[columns["number"]]
        if len(set(filled)) == 1 and not ITEM_NUMBER.match(number):  # one merged cell: a section
            match = SECTION.match(filled[0])
            section = (match.group(1), _one_line(match.group(2))) if match else (str(len(sections) + 1),
                                                                                _one_line(filled[0]))
            sections.append(section)
            continue
        if not ITEM_NUMBER.match(number):
            problems.append(Finding(_("в столбце № нет номера меры («%(value)s»): строка пропущена", value=number),
                                    row=index))
            continue
        if not sections:
            sections.append(("1", None))
            problems.append(Finding(_("мера стоит до первой строки раздела: она отнесена к разделу 1 без названия"),
                                    row=index))
        measure = Measure(row=index, section=sections[-1][0], number=ITEM_NUMBER.match(number).group(1),
                          text=texts[columns["text"]],
                          result=_one_line(texts[columns["result"]]) if "result" in columns else None,
                          deadline=_one_line(texts[columns["deadline"]]), owners=[])
        for entry in OWNER_SEPARATORS.split(texts[columns["owners"]]):
            if entry.strip():
                owner, note = _resolve(" ".join(entry.split()), directory, index)
                measure.owners.append(owner)
                if note:
                    measure.notes.append(note)
                if note and UNDECIDED in note:
                    problems.append(Finding(
                        _("«%(name)s» — не код и не другое название организации из справочника: решите, какая это "
                          "организация", name=split_owner(owner)[0]),
                        row=index, measure=measure.number, field=field_word("owners")))
        if not measure.text:
            problems.append(Finding(_("у меры нет текста"), row=index, measure=measure.number))
        measures.append(measure)
    return measures, sections, problems


def _quoted(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def _block(text: str, indent: str) -> str:
    """Verbatim text as a literal block, or a quoted scalar where a block could not hold it as is."""
    lines = text.split("\n")
    if lines[0][:1].isspace() or "\t" in text:
        return _quoted(text)
    return "|-\n" + "\n".join(f"{indent}{line}" if line else "" for line in lines)


def _header(key: str, document, measures: list[Measure], renumbered: bool) -> list[str]:
    paragraphs = [" ".join(p.text.split()) for p in document.paragraphs if p.text.strip()]
    title = next((p for p in paragraphs if p.lower().startswith("дорожная карта") or "жол картасы" in p.lower()),
                 paragraphs[0] if paragraphs else key)
    approved = next((p for p in paragraphs if p.lower().startswith(("утвержден", "бекітілген"))), None)
    years = sorted({int(y) for m in measures for y in YEAR.findall(m.deadline or "")})
    first, last = (years[0], years[-1]) if years else (None, None)
    lines = ["instrument:", f"  key: {key}", "  kind: roadmap  # guess: roadmap | agreement | action_plan | …",
             "  title:", f"    ru: {_quoted(title)}  # the table's title paragraph"]
    if approved:
        lines.append(f"  approved_by: {_quoted(approved)}")
    if first:
        lines += [f"  valid_from: {first}-01-01  # guess: the first year among the deadlines",
                  f"  valid_to: {last}-12-31  # guess: the last year among the deadlines"]
    else:
        lines += ["  valid_from: 2000-01-01  # no year among the deadlines: set the validity",
                  "  valid_to: 2000-12-31"]
    lines += ["  completeness: complete  # check every measure of the source is here", "  language: ru",
              f"  source: {_quoted(title)}"]
    if renumbered:
        lines.append('  numbering: "Номер меры — «раздел.пункт»: в источнике пункты нумеруются заново в каждом '
                     'разделе."')
    return lines


def draft_from_docx(path: Path, key: str, roadmaps_dir: Path) -> Draft:
    """Read the Word file at `path` and make the YAML draft of instrument `key`, then check it as `mindet roadmaps
    check` would (against roadmaps_dir/organizations.yaml)."""
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise DocxImportError(_("Файл не читается как документ Word (.docx): сохраните его в формате .docx и "
                                "загрузите снова.")) from exc
    directory = owner_directory(roadmaps_dir)
    if directory is None:
        raise DocxImportError(_("Справочник организаций (organizations.yaml) не найден или содержит ошибки: "
                                "администратору — `mindet roadmaps check`."))
    measures, sections, problems = read_measures(document, directory)
    if not measures:
        raise DocxImportError(_("В таблице есть заголовки, но нет ни одной строки меры с номером в столбце №."))
    seen: dict[str, str] = {}
    renumbered = any(seen.setdefault(m.number, m.section) != m.section for m in measures)
    lines = _header(key, document, measures, renumbered) + ["", "sections:"]
    titles = dict(sections)
    for number, _title in sections:
        items = [m for m in measures if m.section == number]
        if not items:
            continue
        title = titles[number] or "Раздел"
        lines += [f'  - number: "{number}"', f"    title: {{ru: {_quoted(title)}}}", "    obligations:"]
        for m in items:
            lines.append(f'      - number: "{f"{number}.{m.number}" if renumbered else m.number}"  # row {m.row}')
            lines.append(f"        text: {_block(m.text, ' ' * 10)}")
            if m.result:
                lines.append(f"        result: {_quoted(m.result)}")
            if m.deadline:
                lines.append(f"        deadline: {_quoted(m.deadline)}")
            lines.append(f"        owners: [{', '.join(_quoted(o) for o in m.owners)}]")
            lines += [f"        # {note}" for note in m.notes]
    text = "\n".join(lines) + "\n"
    decided = {(f.row, f.field) for f in problems}
    problems += [f for f in _check(text, key, roadmaps_dir, measures) if (f.row, f.field) not in decided]
    return Draft(yaml=text, problems=problems, measures=len(measures), sections=len(sections))


def _check(text: str, key: str, roadmaps_dir: Path, measures: list[Measure]) -> list[Finding]:
    """What `mindet roadmaps check` says of the draft, each problem with the table row of its measure, the measure's
    number and the column, in the reader's language."""
    rows = {}  # draft line → table row, from the "# row N" comments
    current = None
    for number, line in enumerate(text.split("\n"), start=1):
        if (match := re.search(r"# row (\d+)$", line)) and line.lstrip().startswith("- number:"):
            current = int(match.group(1))
        rows[number] = current
    numbers = {m.row: m.number for m in measures}
    said = []
    for problem in check_files(roadmaps_dir, {f"{key}.yaml": text}, with_instruments=False):
        row = rows.get(problem.line) if problem.line else None
        said.append(Finding(check_message(problem.message), row=row, measure=numbers.get(row),
                            field=field_word(problem.path)))
    return said
