"""Bad YAML: each mistake gets a clear error naming file, line and path, and the database stays untouched."""

import pytest
from sqlmodel import func, select

from tracker.catalog.loader import load_catalog
from tracker.models import AuditEvent, Instrument, Obligation, Organization

from .conftest import write_instrument


def _bad(folder, old, new):
    path = write_instrument(folder)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _messages(folder):
    return [str(p) for p in load_catalog(folder).problems]


def test_the_small_file_is_valid(roadmaps_dir):
    """The fixture's instrument file passes, so each case below fails for its own reason only."""
    write_instrument(roadmaps_dir)
    assert _messages(roadmaps_dir) == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('        text: "Первая мера"', '        text: "Первая мера\n', "YAML syntax error"),
        ('owners: ["МТСЗН", "РОР (по согласованию)"]', 'owners: ["МТСЗН", "МИНСПОРТ"]',
         "test-roadmap.yaml:16: sections[0].obligations[0].owners[1]: obligation 1: unknown owner 'МИНСПОРТ'"),
        ('deadline: "1-полугодие 2025 года"', 'deadline: "когда-нибудь"',
         "test-roadmap.yaml:15: sections[0].obligations[0].deadline: obligation 1: unknown deadline «когда-нибудь»"),
        ('      - number: "2"', '      - number: "1"',
         "test-roadmap.yaml:17: sections[0].obligations[1].number: duplicate obligation number '1' (first at line 12)"),
        ('        text: "Вторая мера"\n', "",
         "test-roadmap.yaml:17: sections[0].obligations[1].text: required field is missing"),
        ('        result: "Справка"', "        result: no",
         "test-roadmap.yaml:14: sections[0].obligations[0].result: YAML read this value as the boolean false"),
        ("  kind: roadmap", "  kind: roadmap\n  kind: agreement",
         "test-roadmap.yaml:4: instrument: duplicate key 'kind'"),
        ("  completeness: complete", "  completenes: complete", "instrument.completenes: unknown field (a typo?)"),
        ('      - number: "2"', "      - number: 2",
         "sections[0].obligations[1].number: YAML read this value as int 2"),
        ("  valid_to: 2026-12-31", "  valid_to: 2024-12-31", "instrument: valid_to is before valid_from"),
        ("  valid_to: 2026-12-31", "  valid_to: 2025-02-30",
         "test-roadmap.yaml:6: 2025-02-30 is not a date in the calendar: write a real day as YYYY-MM-DD"),
    ],
    ids=["syntax", "unknown-owner", "unknown-deadline", "duplicate-number", "missing-field", "yaml-boolean-no",
         "duplicate-key", "typo-field", "number-as-int", "validity-backwards", "impossible-date"],
)
def test_bad_yaml_gives_a_clear_error(roadmaps_dir, old, new, expected):
    """Every kind of mistake is reported with the file, the line where known, the key path and a message."""
    _bad(roadmaps_dir, old, new)
    messages = _messages(roadmaps_dir)
    assert any(expected in m for m in messages), messages


def test_every_error_is_printed_at_once(roadmaps_dir, runner):
    """`roadmaps check` lists problems from several places and files together, and exits 1."""
    _bad(roadmaps_dir, 'deadline: "Ежеквартально"', 'deadline: "иногда"')
    write_instrument(roadmaps_dir, "second-roadmap").write_text(
        (roadmaps_dir / "test-roadmap.yaml").read_text(encoding="utf-8")
        .replace("key: test-roadmap", "key: second-roadmap").replace('["МИО"]', '["НЕИЗВЕСТНО"]'),
        encoding="utf-8")
    result = runner.invoke(args=["roadmaps", "check", "--dir", str(roadmaps_dir)])
    assert result.exit_code == 1
    assert "test-roadmap.yaml:19" in result.output and "unknown deadline «иногда»" in result.output
    assert "second-roadmap.yaml:20" in result.output and "unknown owner 'НЕИЗВЕСТНО'" in result.output
    assert "problem(s)" in result.output


def test_key_must_match_file_name(roadmaps_dir):
    """A file named differently from its key is refused (keys are how obligations keep their history)."""
    path = write_instrument(roadmaps_dir)
    path.rename(roadmaps_dir / "other-name.yaml")
    assert any("must match the file name" in m for m in _messages(roadmaps_dir))


def test_partial_instrument_requires_sources(roadmaps_dir):
    """In a partial instrument every obligation must cite its source."""
    _bad(roadmaps_dir, "  completeness: complete", '  completeness: partial\n  completeness_note: "нет текста"')
    assert any("must cite its source" in m for m in _messages(roadmaps_dir))


def test_unknown_group_member_is_refused(roadmaps_dir):
    """organizations.yaml is validated too: a group member must be a known organization."""
    path = roadmaps_dir / "organizations.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("members: [ФПРК]", "members: [ФПРК, НЕТ]"),
                    encoding="utf-8")
    write_instrument(roadmaps_dir)
    assert any("unknown member organization 'НЕТ'" in m for m in _messages(roadmaps_dir))


def _count(db, model):
    return db.exec(select(func.count()).select_from(model)).one()


def test_sync_with_an_invalid_file_changes_nothing(roadmaps_dir, runner, db, synced):
    """One bad file among good ones: sync exits 1 and the database is exactly as before."""
    before = {m.__name__: _count(db, m) for m in (Instrument, Obligation, Organization, AuditEvent)}
    write_instrument(roadmaps_dir, "good-roadmap", (write_instrument(roadmaps_dir).read_text(encoding="utf-8")
                                                     .replace("test-roadmap", "good-roadmap")))
    _bad(roadmaps_dir, 'deadline: "Ежеквартально"', "deadline: no")
    result = runner.invoke(args=["roadmaps", "sync", "--dir", str(roadmaps_dir)])
    assert result.exit_code == 1
    assert "nothing was changed" in result.output
    db.expire_all()
    assert {m.__name__: _count(db, m) for m in (Instrument, Obligation, Organization, AuditEvent)} == before
