"""Bulk edits by spreadsheet: an instrument's obligations workbook (its XLSX export, edited by a person) → the
change to the roadmap YAML files, listed field by field with row numbers, checked as `mindet roadmaps check` does.

Texts, results, deadlines and owners can be edited. Nothing is written if any row is wrong; an unchanged
workbook is a no-op. The YAML is edited in place (ruamel.yaml keeps its comments, quotes and layout).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import force_locale
from openpyxl import load_workbook
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

from tracker.catalog.format import split_owner
from tracker.catalog.loader import ORGANIZATIONS_FILE, OwnerDirectory, check_files, owner_directory
from tracker.insight.exports import HEADERS
from tracker.languages import LANGUAGES

EDITABLE = ("text", "result", "deadline_text", "owners")
REQUIRED = ("key", *EDITABLE)
#: the words of the export's owner flags, in every interface language
_FLAG_WORDS = ("головной", "по согласованию")
_PATH = re.compile(r"^sections\[(\d+)\]\.obligations\[(\d+)\]")


class WorkbookError(ValueError):
    """The file is not an obligations workbook; the message says why and what to do."""


@dataclass
class Change:
    """One field of one obligation that the workbook changes."""

    row: int
    key: str
    field: str
    before: str
    after: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.key}: {self.field}: «{self.before}» → «{self.after}»"


@dataclass
class Outcome:
    """What the workbook changes, what is wrong in it, and the new text of each changed YAML file."""

    changes: list[Change] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    files: dict[Path, str] = field(default_factory=dict)
    rows: int = 0


def _yaml() -> YAML:
    yaml = YAML()
    yaml.preserve_quotes, yaml.width = True, 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _words(message) -> set[str]:
    found = set()
    for language in LANGUAGES:
        with force_locale(language):
            found.add(str(message).strip().lower())
    return found


def _columns(header: list) -> dict[str, int]:
    """Column index of each export column, whatever language the workbook's headers are in."""
    labels = {word: column for column in REQUIRED for word in _words(HEADERS[column])}
    return {labels[str(h).strip().lower()]: i for i, h in enumerate(header) if h and str(h).strip().lower() in labels}


def _cell(value) -> str:
    text = "" if value is None else str(value).replace("\r\n", "\n").replace("\r", "\n").strip()
    if text[:2] in ("'=", "'+", "'-", "'@"):  # the export's guard against formulas, taken off again
        text = text[1:]
    return text


def owner_flags() -> tuple[set[str], set[str]]:
    """The export's owner marks, lead and by agreement, in every interface language."""
    return _words(_FLAG_WORDS[0]) | {"lead"}, _words(_FLAG_WORDS[1]) | {"by agreement"}


def parse_owners(text: str, directory: OwnerDirectory,
                 flags: tuple[set[str], set[str]]) -> tuple[list[tuple[str, bool]], list[str]]:
    """The export's "МТСЗН (головной); РОР (по согласованию)" → [(code, by agreement)], and what is wrong;
    `flags`: the words of the lead and by-agreement marks (`owner_flags()`)."""
    lead_words, agreed_words = flags
    owners, problems = [], []
    for position, part in enumerate(p.strip() for p in re.split(r"[;\n]+", text) if p.strip()):
        name, lead, agreed = part, False, False
        match = re.match(r"^(.*?)\s*\(([^()]*)\)$", part)
        words = {w.strip().lower() for w in match.group(2).split(",")} if match else set()
        if words and words <= lead_words | agreed_words:
            name, lead, agreed = match.group(1).strip(), bool(words & lead_words), bool(words & agreed_words)
        else:
            name, agreed = split_owner(part)
        code = directory.resolve(name)
        if code is None:
            problems.append(f"«{name}» is no organization code or alias (see organizations.yaml)")
        elif lead and position:
            problems.append(f"{code} is marked lead but is not first: the first owner is the lead executor")
        else:
            owners.append((code, agreed))
    if not owners and not problems:
        problems.append("no owners")
    return owners, problems


def _current_owners(entries, directory: OwnerDirectory) -> list[tuple[str, bool]]:
    resolved = []
    for entry in entries or []:
        name, agreed = split_owner(str(entry))
        resolved.append((directory.resolve(name) or name, agreed))
    return resolved


def _owner_text(owners: list[tuple[str, bool]]) -> str:
    return "; ".join(code + (" (по согласованию)" if agreed else "") for code, agreed in owners)


def _index(documents: dict[str, dict]) -> dict[str, tuple[str, dict, dict]]:
    """Obligation key → (instrument key, its YAML mapping, the file's defaults)."""
    found = {}
    for instrument, data in documents.items():
        defaults = data.get("defaults") or {}
        for section in data.get("sections") or []:
            for ob in section.get("obligations") or []:
                found[f"{instrument}/{ob['number']}"] = (instrument, ob, defaults)
    return found


def _apply(ob: dict, defaults: dict, row: dict, directory: OwnerDirectory, flags, change) -> list[str]:
    """Set the row's values on one obligation's mapping; report each change through `change`; the problems."""
    problems = []
    text = row["text"]
    if not text:
        problems.append("the measure's text is empty")
    elif text != str(ob.get("text", "")).strip():
        change("text", str(ob.get("text", "")).strip(), text)
        ob["text"] = LiteralScalarString(text)
    for column, name in (("result", "result"), ("deadline_text", "deadline")):
        now = str(ob.get(name) or defaults.get(name) or "")
        if row[column] != now:
            if not row[column] and name == "deadline":
                problems.append("the deadline is empty")
                continue
            change(name, now, row[column])
            ob[name] = DoubleQuotedScalarString(row[column])
    owners, owner_problems = parse_owners(row["owners"], directory, flags)
    problems += owner_problems
    before = _current_owners(ob.get("owners") or defaults.get("owners"), directory)
    if not owner_problems and owners != before:
        change("owners", _owner_text(before), _owner_text(owners))
        seq = CommentedSeq(DoubleQuotedScalarString(code + (" (по согласованию)" if agreed else ""))
                           for code, agreed in owners)
        seq.fa.set_flow_style()
        ob["owners"] = seq
    return problems


def _read(path: Path) -> tuple[list[tuple], dict[str, int]]:
    """The workbook's rows and the index of each needed column."""
    try:
        sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook  # noqa: BLE001
        raise WorkbookError(f"{path} is not a readable .xlsx workbook ({exc.__class__.__name__}); export the "
                            "obligations again (the instrument page → XLSX) and edit that file") from None
    if not rows:
        raise WorkbookError(f"{path} is empty")
    columns = _columns(list(rows[0]))
    missing = [str(HEADERS[c]) for c in REQUIRED if c not in columns]
    if missing:
        raise WorkbookError(f"the first row has no column {', '.join(missing)}: use the obligations export of an "
                            "instrument (its headers, any language)")
    return rows, columns


def import_workbook(path: Path, roadmaps_dir: Path) -> Outcome:
    """Read the edited workbook and work out the YAML change (nothing is written here)."""
    rows, columns = _read(path)
    directory = owner_directory(roadmaps_dir)
    if directory is None:
        raise WorkbookError(f"{roadmaps_dir}/{ORGANIZATIONS_FILE} is missing or invalid: run `mindet roadmaps check`")
    yaml, documents, outcome = _yaml(), {}, Outcome()
    for file in sorted(Path(roadmaps_dir).glob("*.yaml")):
        if file.name != ORGANIZATIONS_FILE:
            documents[file.stem] = yaml.load(file.read_text(encoding="utf-8"))
    index, touched, rows_of, flags = _index(documents), set(), {}, owner_flags()
    for number, values in enumerate(rows[1:], start=2):
        row = {column: _cell(values[i]) if i < len(values) else "" for column, i in columns.items()}
        if not any(row.values()):
            continue
        outcome.rows += 1
        found = index.get(row["key"])
        if found is None:
            outcome.errors.append(f"row {number}: no obligation {row['key']!r} in {roadmaps_dir} (the key column "
                                  "must stay as exported)")
            continue
        instrument, ob, defaults = found
        rows_of[row["key"]] = number

        def change(name, before, after, number=number, key=row["key"], instrument=instrument):
            outcome.changes.append(Change(number, key, name, before, after))
            touched.add(instrument)

        problems = _apply(ob, defaults, row, directory, flags, change)
        outcome.errors += [f"row {number}: {row['key']}: {p}" for p in problems]
    for instrument in sorted(touched):
        text = io.StringIO()
        yaml.dump(documents[instrument], text)
        outcome.files[Path(roadmaps_dir) / f"{instrument}.yaml"] = text.getvalue()
    if outcome.files and not outcome.errors:
        outcome.errors += _check(outcome.files, documents, rows_of, roadmaps_dir)
    return outcome


def _check(files: dict[Path, str], documents: dict, rows_of: dict, roadmaps_dir: Path) -> list[str]:
    """`mindet roadmaps check` on the roadmaps with the changes, each problem with its workbook row."""
    said = []
    for problem in check_files(roadmaps_dir, {path.name: text for path, text in files.items()}):
        match = _PATH.match(problem.path or "")
        row = None
        if match and (data := documents.get(Path(problem.file).stem)):
            ob = data["sections"][int(match.group(1))]["obligations"][int(match.group(2))]
            row = rows_of.get(f"{Path(problem.file).stem}/{ob['number']}")
        said.append(f"{'row ' + str(row) + ': ' if row else ''}check: {problem}")
    return said


def write(outcome: Outcome) -> None:
    """Write the changed YAML files (only an outcome without errors)."""
    if outcome.errors:
        raise WorkbookError("the workbook has errors: nothing written")
    for target, text in outcome.files.items():
        target.write_text(text, encoding="utf-8")
