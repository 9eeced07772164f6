"""Load and validate roadmaps/*.yaml into a plan the sync can apply; collect every problem at once."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml
from pydantic import ValidationError

from tracker.catalog import deadlines
from tracker.catalog.format import InstrumentFile, InstrumentSpec, ObligationSpec, OrganizationsFile, split_owner
from tracker.periods import Period

ORGANIZATIONS_FILE = "organizations.yaml"
#: change it whenever what the loader makes of a file changes (a rule, a default, a deadline phrase): every
#: instrument's fingerprint then differs and the next sync applies every file again
RULES_VERSION = "2026-12-07"


@dataclass(frozen=True)
class Problem:
    """One error in one file, with the line where it is known and the key path inside the document."""

    file: str
    message: str
    path: str = ""
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path + ': ' if self.path else ''}{self.message}"


@dataclass
class OwnerPlan:
    """A resolved owner: canonical code, lead flag, by-agreement flag."""

    code: str
    is_lead: bool
    is_by_agreement: bool


@dataclass
class ObligationPlan:
    """An obligation as the database should hold it after sync."""

    key: str
    section_number: str
    position: int
    number: str
    text: str
    result: str | None
    deadline: deadlines.Deadline
    deadline_note: str | None
    starts_on: date | None
    owners: list[OwnerPlan]
    owners_text: str
    owners_note: str | None
    note: str | None
    source_document: str | None
    source_quote: str | None
    translations: dict
    heard_at_meetings: bool = False

    @property
    def content_hash(self) -> str:
        """A digest of everything the YAML says of this obligation; it changes when the YAML does."""
        payload = {k: v for k, v in self.__dict__.items()
                   if k not in ("deadline", "owners", "starts_on", "heard_at_meetings")}
        if self.heard_at_meetings:  # absent from older files: their hashes stay as they were
            payload["heard_at_meetings"] = True
        if self.starts_on is not None:  # absent from older files: their hashes stay as they were
            payload["starts_on"] = self.starts_on.isoformat()
        payload["deadline"] = self.deadline.text
        payload["owners"] = [o.__dict__ for o in self.owners]
        return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass
class IndicatorPlan:
    """A target indicator as the database should hold it after sync."""

    key: str  #: "<instrument key>/<indicator key>"
    obligation_key: str | None  #: the measure it belongs to; None for the instrument as a whole
    position: int
    names: dict
    unit: str
    direction: str
    band_low: float | None
    band_high: float | None
    tolerance: float
    baseline_value: float
    baseline_on: date
    baseline_source: str
    #: [{"period", "due_on" (ISO day), "value", "source", "final"}] in period order; the final one is marked
    targets: list[dict]
    target_note: str | None
    reporter: str  #: canonical organization code
    frequency: str
    public: bool
    source: str | None
    note: str | None

    @property
    def content_hash(self) -> str:
        """A digest of everything the YAML says of this indicator."""
        payload = dict(self.__dict__, baseline_on=self.baseline_on.isoformat())
        return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass
class InstrumentPlan:
    """A validated instrument file."""

    file_name: str
    spec: InstrumentSpec
    sections: list  # list[SectionSpec]
    obligations: list[ObligationPlan]
    fingerprint: str = ""  #: of its file, the organizations file and the loader's rules (see `fingerprint`)
    commission: str | None = None  #: the key of its commission (the republican one unless the file names one)
    text: str = ""  #: the file as written: kept as a version of the instrument (tracker/catalog/versions.py)
    indicators: list[IndicatorPlan] = field(default_factory=list)


@dataclass
class Catalog:
    """Everything in roadmaps/: organizations, instruments, and the problems found."""

    organizations: OrganizationsFile | None = None
    instruments: list[InstrumentPlan] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: keys of instruments whose file is the one last synced (same fingerprint): not read again
    unchanged: list[str] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        """True when no file has a problem; sync refuses to run otherwise."""
        return not self.problems


#: libyaml's parser where PyYAML was built with it (ten times faster), the pure-Python one otherwise
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse(text: str):
    """(node tree with line marks, Python data) from one parse of the text."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        return root, (loader.construct_document(root) if root is not None else None)
    finally:
        loader.dispose()


class _BadDate(ValueError):
    """A value written like a date that is not one (2025-02-30); knows its line."""

    def __init__(self, value: str, line: int):
        super().__init__(f"{value} is not a date in the calendar: write a real day as YYYY-MM-DD")
        self.line = line


def _find_bad_date(node) -> _BadDate | None:
    """The first date-like scalar of the tree that is not a real calendar day."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.ScalarNode):
            if current.tag == "tag:yaml.org,2002:timestamp":
                try:
                    date.fromisoformat(current.value[:10])
                except ValueError:
                    return _BadDate(current.value, current.start_mark.line + 1)
        elif isinstance(current, yaml.MappingNode):
            stack.extend(value for pair in reversed(current.value) for value in reversed(pair))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(reversed(current.value))
    return None


class _Document:
    """A parsed YAML file with the line of every node, so that errors can point at lines."""

    def __init__(self, name: str, text: str):
        self.name, self.text = name, text
        self.data = None
        self.root = None
        self.problems: list[Problem] = []
        try:
            self.root, self.data = _parse(text)
        except ValueError:  # PyYAML reads 2025-02-30 as a date and fails while building it
            bad = _find_bad_date(yaml.compose(text, Loader=_Loader))
            self.problems.append(Problem(name, str(bad) if bad else "a value is not what it looks like",
                                        line=bad.line if bad else None))
            return
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else None
            self.problems.append(Problem(name, f"YAML syntax error: {exc.problem or exc}", line=line))
            return
        if self.root is not None:
            self._find_duplicate_keys(self.root, ())

    def _find_duplicate_keys(self, node, path: tuple) -> None:
        if isinstance(node, yaml.MappingNode):
            seen = set()
            for key_node, value_node in node.value:
                key = key_node.value
                if key in seen:
                    self.problems.append(
                        Problem(self.name, f"duplicate key {key!r}", _format_path(path), key_node.start_mark.line + 1)
                    )
                seen.add(key)
                self._find_duplicate_keys(value_node, (*path, key))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self._find_duplicate_keys(item, (*path, index))

    def line_of(self, path: tuple) -> int | None:
        """The 1-based line of the node at `path`, or of its nearest ancestor that exists."""
        node, line = self.root, (self.root.start_mark.line + 1 if self.root else None)
        for step in path:
            if isinstance(node, yaml.MappingNode):
                found = next(((k, v) for k, v in node.value if k.value == step), None)
                if found is None:
                    break
                line, node = found[0].start_mark.line + 1, found[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
                node = node.value[step]
                line = node.start_mark.line + 1
            else:
                break
        return line

    def problem(self, message: str, path: tuple = ()) -> Problem:
        """A Problem at `path` of this document."""
        return Problem(self.name, message, _format_path(path), self.line_of(path))

    def validate(self, model):
        """Validate the data against a schema model; record every error with its line."""
        if self.problems:
            return None
        if not isinstance(self.data, dict):
            self.problems.append(Problem(self.name, "the file must hold a YAML mapping (key: value) at its top"))
            return None
        try:
            return model.model_validate(self.data)
        except ValidationError as exc:
            for error in exc.errors():
                path = tuple(step for step in error["loc"] if not _is_type_tag(step))
                message = error["msg"].removeprefix("Value error, ")
                if error["type"] == "missing":
                    message = "required field is missing"
                elif error["type"] == "extra_forbidden":
                    message = "unknown field (a typo?)"
                self.problems.append(self.problem(message, path))
            return None


def _is_type_tag(step) -> bool:
    # pydantic adds tags like "str" or "function-before[...]" for union/annotated members
    return isinstance(step, str) and (step in {"str", "none", "list[str]"} or "[" in step)


def _format_path(path: tuple) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


def _normalize_name(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip()


class OwnerDirectory:
    """Canonical codes and aliases → canonical code."""

    def __init__(self, organizations: OrganizationsFile):
        self.codes: dict[str, str] = {}
        self.is_group: set[str] = {g.code for g in organizations.groups}
        for org in organizations.organizations:
            self.codes[_normalize_name(org.code)] = org.code
        for group in organizations.groups:
            self.codes[_normalize_name(group.code)] = group.code
        for org in organizations.organizations:
            for alias in org.aliases:
                self.codes.setdefault(_normalize_name(alias), org.code)
        self.commissions = {c.key for c in organizations.commissions}
        #: the commission of an instrument that names none: the republican one, if organizations.yaml has it
        self.default_commission = next((c.key for c in organizations.commissions if c.level == "republican"), None)

    def resolve(self, name: str) -> str | None:
        """The canonical code for a code or alias as written, or None if unknown."""
        return self.codes.get(_normalize_name(name))


def _check_organizations(doc: _Document, spec: OrganizationsFile) -> None:
    seen: dict[str, tuple] = {}
    for index, org in enumerate(spec.organizations):
        for name in (org.code, *org.aliases):
            norm = _normalize_name(name)
            if norm in seen:
                doc.problems.append(
                    doc.problem(f"{name!r} is already used by {seen[norm][0]}", ("organizations", index, "code"))
                )
            seen[norm] = (org.code,)
    known = {o.code for o in spec.organizations}
    for index, group in enumerate(spec.groups):
        if group.code in known or _normalize_name(group.code) in seen:
            doc.problems.append(doc.problem(f"group code {group.code!r} is already taken", ("groups", index, "code")))
        for member in group.members:
            if member not in known:
                doc.problems.append(
                    doc.problem(f"unknown member organization {member!r}", ("groups", index, "members"))
                )
        if len(set(group.members)) != len(group.members):
            doc.problems.append(doc.problem("a member is listed twice", ("groups", index, "members")))
    _check_commissions(doc, spec, known | {g.code for g in spec.groups})


def _check_commissions(doc: _Document, spec: OrganizationsFile, codes: set[str]) -> None:
    """Commission keys unique, one republican commission at most, parties and secretariat known organizations."""
    keys: set[str] = set()
    for index, commission in enumerate(spec.commissions):
        path = ("commissions", index)
        if commission.key in keys:
            doc.problems.append(doc.problem(f"commission key {commission.key!r} is used twice", (*path, "key")))
        keys.add(commission.key)
        for side in ("government", "workers", "employers"):
            for code in getattr(commission.parties, side):
                if code not in codes:
                    doc.problems.append(doc.problem(f"unknown organization {code!r}", (*path, "parties", side)))
        if commission.secretariat and commission.secretariat not in codes:
            doc.problems.append(doc.problem(f"unknown organization {commission.secretariat!r}",
                                            (*path, "secretariat")))
    if sum(c.level == "republican" for c in spec.commissions) > 1:
        doc.problems.append(doc.problem("only one commission can be republican (the instruments that name no "
                                        "commission belong to it)", ("commissions",)))


def owner_directory(directory: Path) -> OwnerDirectory | None:
    """The codes and aliases of `directory`/organizations.yaml, or None when that file is missing or invalid."""
    path = Path(directory) / ORGANIZATIONS_FILE
    if not path.is_file():
        return None
    doc = _read(path)
    organizations = doc.validate(OrganizationsFile)
    return OwnerDirectory(organizations) if organizations and not doc.problems else None


def check_files(directory: Path, files: dict[str, str], *, with_instruments: bool = True) -> list[Problem]:
    """What `mindet roadmaps check` says of `directory` with `files` (file name → text) added or replaced, in a
    scratch copy (the folder is not touched); without `with_instruments`, of the files and organizations.yaml."""
    with tempfile.TemporaryDirectory() as scratch:
        for source in Path(directory).glob("*.yaml" if with_instruments else ORGANIZATIONS_FILE):
            shutil.copy(source, scratch)
        for name, text in files.items():
            (Path(scratch) / name).write_text(text, encoding="utf-8")
        return load_catalog(Path(scratch)).problems


def fingerprint(organizations: bytes, instrument: bytes) -> str:
    """What an instrument's sync depends on, hashed: its file, the organizations file (owners, groups and their
    members) and the loader's rules. Equal fingerprints give the same sync."""
    digest = hashlib.sha256(RULES_VERSION.encode())
    for part in (organizations, instrument):
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def load_catalog(directory: Path, synced: dict[str, str] | None = None) -> Catalog:
    """Read and validate organizations.yaml and every instrument file; never raises on bad input.

    `synced` (file name → fingerprint of the file last synced, for live instruments) lets a sync skip the files
    that have not changed since: they are listed in `unchanged`, neither read nor validated again."""
    catalog = Catalog()
    directory = Path(directory)
    org_path = directory / ORGANIZATIONS_FILE
    if not org_path.is_file():
        catalog.problems.append(Problem(ORGANIZATIONS_FILE, f"not found in {directory}: every instrument needs it"))
        return catalog
    org_doc = _read(org_path)
    organizations = org_doc.validate(OrganizationsFile)
    if organizations:
        _check_organizations(org_doc, organizations)
    catalog.problems.extend(org_doc.problems)
    directory_of_owners = OwnerDirectory(organizations) if organizations and not org_doc.problems else None
    catalog.organizations = organizations

    keys: dict[str, str] = {}
    organizations_bytes = org_path.read_bytes()
    for path in sorted(directory.glob("*.y*ml")):
        if path.name == ORGANIZATIONS_FILE or path.suffix not in (".yaml", ".yml"):
            continue
        printed = fingerprint(organizations_bytes, path.read_bytes())
        if synced and synced.get(path.name) == printed and not org_doc.problems:
            keys.setdefault(path.stem, path.name)  # a valid file's key is its name
            catalog.unchanged.append(path.stem)
            continue
        doc = _read(path)
        spec = doc.validate(InstrumentFile)
        plan = None
        if spec is not None:
            if spec.instrument.key in keys:
                doc.problems.append(
                    doc.problem(f"instrument key {spec.instrument.key!r} is also used by {keys[spec.instrument.key]}",
                                ("instrument", "key"))
                )
            keys.setdefault(spec.instrument.key, path.name)
            if spec.instrument.key != path.stem:
                doc.problems.append(doc.problem(
                    f"instrument key {spec.instrument.key!r} must match the file name ({path.stem!r})",
                    ("instrument", "key")))
            if directory_of_owners is not None:
                plan = _plan_instrument(doc, spec, directory_of_owners)
                plan.fingerprint = printed
        catalog.problems.extend(doc.problems)
        if plan is not None and not doc.problems:
            catalog.instruments.append(plan)
    if not keys and not catalog.problems:
        catalog.problems.append(Problem(str(directory), "no instrument files (*.yaml) found"))
    return catalog


def _read(path: Path) -> _Document:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        doc = _Document(path.name, "")
        doc.problems.append(Problem(path.name, f"not UTF-8 text ({exc.reason} at byte {exc.start})"))
        return doc
    return _Document(path.name, text)


def _plan_instrument(doc: _Document, spec: InstrumentFile, owners: OwnerDirectory) -> InstrumentPlan:
    instrument = spec.instrument
    for index, party in enumerate(instrument.parties):
        if owners.resolve(party) is None:
            doc.problems.append(doc.problem(f"unknown party {party!r}", ("instrument", "parties", index)))
    if instrument.commission is not None and instrument.commission not in owners.commissions:
        known = ", ".join(sorted(owners.commissions)) or "none: add them under `commissions:` in organizations.yaml"
        doc.problems.append(doc.problem(f"unknown commission {instrument.commission!r} (known: {known})",
                                        ("instrument", "commission")))
    plans: list[ObligationPlan] = []
    numbers: dict[str, tuple] = {}
    sections: dict[str, int] = {}
    position = 0
    for s_index, section in enumerate(spec.sections):
        if section.number in sections:
            doc.problems.append(doc.problem(f"duplicate section number {section.number!r}",
                                            ("sections", s_index, "number")))
        sections[section.number] = s_index
        for o_index, obligation in enumerate(section.obligations):
            path = ("sections", s_index, "obligations", o_index)
            if obligation.number in numbers:
                doc.problems.append(doc.problem(
                    f"duplicate obligation number {obligation.number!r} (first at line {numbers[obligation.number]})",
                    (*path, "number")))
                continue
            numbers[obligation.number] = doc.line_of((*path, "number"))
            position += 1
            plan = _plan_obligation(doc, spec, section.number, obligation, path, owners, position)
            if plan is not None:
                plans.append(plan)
    return InstrumentPlan(doc.name, instrument, list(spec.sections), plans,
                          commission=instrument.commission or owners.default_commission, text=doc.text,
                          indicators=_plan_indicators(doc, spec, owners))


def _plan_indicators(doc, spec: InstrumentFile, owners: OwnerDirectory) -> list[IndicatorPlan]:
    """The instrument's indicators and its measures', each checked: a known reporter, a unique key, targets after
    the baseline and within the instrument's validity."""
    placed = [(None, indicator, ("indicators", index)) for index, indicator in enumerate(spec.indicators)]
    for s_index, section in enumerate(spec.sections):
        for o_index, obligation in enumerate(section.obligations):
            placed += [(f"{spec.instrument.key}/{obligation.number}", indicator,
                        ("sections", s_index, "obligations", o_index, "indicators", index))
                       for index, indicator in enumerate(obligation.indicators)]
    plans, seen = [], {}
    for position, (obligation_key, indicator, path) in enumerate(placed):
        label = f"indicator {indicator.key}"
        if indicator.key in seen:
            doc.problems.append(doc.problem(f"{label}: the key is used twice (first at line {seen[indicator.key]})",
                                            (*path, "key")))
            continue
        seen[indicator.key] = doc.line_of((*path, "key"))
        reporter = owners.resolve(indicator.reporter)
        if reporter is None:
            doc.problems.append(doc.problem(
                f"{label}: unknown reporter {indicator.reporter!r}; add it (or an alias) to {ORGANIZATIONS_FILE}",
                (*path, "reporter")))
        targets = _planned_targets(doc, spec, indicator, path, label)
        if indicator.baseline.date > spec.instrument.valid_to:
            doc.problems.append(doc.problem(
                f"{label}: the baseline ({indicator.baseline.date.isoformat()}) is after the instrument's end "
                f"({spec.instrument.valid_to.isoformat()})", (*path, "baseline", "date")))
        if reporter is None or targets is None:
            continue
        plans.append(IndicatorPlan(
            key=f"{spec.instrument.key}/{indicator.key}", obligation_key=obligation_key, position=position,
            names=indicator.name.model_dump(exclude_none=True), unit=indicator.unit, direction=indicator.direction,
            band_low=indicator.band.low if indicator.band else None,
            band_high=indicator.band.high if indicator.band else None, tolerance=indicator.tolerance,
            baseline_value=indicator.baseline.value, baseline_on=indicator.baseline.date,
            baseline_source=indicator.baseline.source, targets=targets, target_note=indicator.target_note,
            reporter=reporter, frequency=indicator.frequency, public=indicator.public, source=indicator.source,
            note=indicator.note))
    return plans


def _planned_targets(doc, spec: InstrumentFile, indicator, path: tuple, label: str) -> list[dict] | None:
    """The targets in period order, the final one marked; None (with the problems recorded) when one is wrong."""
    valid_from, valid_to = spec.instrument.valid_from, spec.instrument.valid_to
    targets, ok = [], True
    for index, target in enumerate(indicator.targets):
        where = (*path, "targets", index, "period")
        try:
            period = Period.from_label(target.period)
        except ValueError:
            doc.problems.append(doc.problem(
                f"{label}: target period «{target.period}» is not a period: write 2026, 2026-H1 or 2026-Q3", where))
            ok = False
            continue
        if period.ends_on > valid_to or period.ends_on < valid_from:
            doc.problems.append(doc.problem(
                f"{label}: target for {period.label} lies outside the instrument's validity "
                f"({valid_from.isoformat()} – {valid_to.isoformat()})", where))
            ok = False
        elif period.ends_on <= indicator.baseline.date:
            doc.problems.append(doc.problem(
                f"{label}: target for {period.label} is not after the baseline "
                f"({indicator.baseline.date.isoformat()})", where))
            ok = False
        targets.append(dict(period=period.label, due_on=period.ends_on.isoformat(), value=target.value,
                            source=target.source, final=target.final))
    if not ok:
        return None
    targets.sort(key=lambda t: t["due_on"])
    if len({t["due_on"] for t in targets}) != len(targets):
        doc.problems.append(doc.problem(f"{label}: two targets end on the same day", (*path, "targets")))
        return None
    if targets and not any(t["final"] for t in targets):
        targets[-1]["final"] = True
    return targets


def _within_validity(doc, spec: InstrumentFile, label: str, deadline, starts_on, path: tuple) -> bool:
    """A one-off deadline and a `from:` must fall within the instrument's validity; the problems say which."""
    valid_from, valid_to = spec.instrument.valid_from, spec.instrument.valid_to
    ok = True
    period = deadline.period
    if period is not None and (period.ends_on < valid_from or period.starts_on > valid_to):
        doc.problems.append(doc.problem(
            f"{label}: deadline «{deadline.text}» ({period.label}) lies outside the instrument's validity "
            f"({valid_from.isoformat()} – {valid_to.isoformat()}); fix the deadline or the validity",
            (*path, "deadline")))
        ok = False
    if starts_on is not None and not valid_from <= starts_on <= valid_to:
        doc.problems.append(doc.problem(
            f"{label}: from: {starts_on.isoformat()} lies outside the instrument's validity "
            f"({valid_from.isoformat()} – {valid_to.isoformat()})", (*path, "from")))
        ok = False
    return ok


def _plan_obligation(doc, spec: InstrumentFile, section_number: str, obligation: ObligationSpec, path: tuple,
                     owners: OwnerDirectory, position: int) -> ObligationPlan | None:
    label = f"obligation {obligation.number}"
    ok = True
    deadline_text = obligation.deadline or spec.defaults.deadline
    deadline = None
    if deadline_text is None:
        doc.problems.append(doc.problem(f"{label}: deadline is missing (no default either)", path))
        ok = False
    else:
        try:
            deadline = deadlines.parse(deadline_text)
        except deadlines.DeadlineError as exc:
            doc.problems.append(doc.problem(f"{label}: {exc}", (*path, "deadline")))
            ok = False
        else:
            ok = _within_validity(doc, spec, label, deadline, obligation.starts_on, path) and ok
    owner_entries = obligation.owners if obligation.owners is not None else spec.defaults.owners
    resolved: list[OwnerPlan] = []
    if not owner_entries:
        doc.problems.append(doc.problem(f"{label}: owners are missing (no default either)", path))
        ok = False
    for index, entry in enumerate(owner_entries or []):
        name, by_agreement = split_owner(entry)
        code = owners.resolve(name)
        if code is None:
            doc.problems.append(doc.problem(
                f"{label}: unknown owner {name!r}; add it (or an alias) to {ORGANIZATIONS_FILE}",
                (*path, "owners", index)))
            ok = False
        elif any(o.code == code for o in resolved):
            doc.problems.append(doc.problem(f"{label}: owner {code} is listed twice", (*path, "owners", index)))
            ok = False
        else:
            resolved.append(OwnerPlan(code, is_lead=not resolved, is_by_agreement=by_agreement))
    if spec.instrument.completeness == "partial" and obligation.source is None:
        doc.problems.append(doc.problem(
            f"{label}: the instrument is partial, so every obligation must cite its source", path))
        ok = False
    if not ok:
        return None
    source = obligation.source
    owners_text = obligation.owners_as_written or ", ".join(owner_entries)
    owners_note = obligation.owners_note
    if obligation.owners is None:
        owners_note = owners_note or spec.defaults.owners_note
    deadline_note = obligation.deadline_note or (spec.defaults.deadline_note if obligation.deadline is None else None)
    return ObligationPlan(
        key=f"{spec.instrument.key}/{obligation.number}",
        section_number=section_number,
        position=position,
        number=obligation.number,
        text=obligation.text,
        result=obligation.result,
        deadline=deadline,
        deadline_note=deadline_note,
        starts_on=obligation.starts_on,
        heard_at_meetings=obligation.heard_at_meetings,
        owners=resolved,
        owners_text=_normalize_name(owners_text),
        owners_note=owners_note,
        note=obligation.note,
        source_document=source.document if source else spec.instrument.source,
        source_quote=source.quote if source else None,
        translations={lang: t.model_dump(exclude_none=True) for lang, t in obligation.translations.items()},
    )


def catalog_of_one(directory: Path, name: str, text: str) -> Catalog:
    """The catalog of one instrument file given as text, with `directory`'s organizations.yaml (a version applied
    from the web: the other instruments are not read)."""
    with tempfile.TemporaryDirectory() as scratch:
        shutil.copy(Path(directory) / ORGANIZATIONS_FILE, scratch)
        (Path(scratch) / name).write_text(text, encoding="utf-8")
        return load_catalog(Path(scratch))
