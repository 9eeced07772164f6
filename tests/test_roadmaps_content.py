"""The real roadmaps/ against the sources: counts per section, and a spread of measures checked field by field."""

from datetime import date

import pytest
from sqlmodel import func, select

from tracker.catalog.loader import load_catalog
from tracker.models import Checkpoint, Obligation, Organization, Report

from .conftest import ROADMAPS


@pytest.fixture(scope="module")
def catalog():
    catalog = load_catalog(ROADMAPS)
    assert catalog.problems == []
    return catalog


def _instrument(catalog, key):
    return next(p for p in catalog.instruments if p.spec.key == key)


def _obligation(catalog, key):
    instrument_key = key.split("/")[0]
    return next(o for o in _instrument(catalog, instrument_key).obligations if o.key == key)


def _owners(plan):
    return [(o.code, o.is_lead, o.is_by_agreement) for o in plan.owners]


def _sections(plan):
    counts = {}
    for obligation in plan.obligations:
        counts[obligation.section_number] = counts.get(obligation.section_number, 0) + 1
    return counts


def test_decent_work_roadmap_has_22_measures_in_5_sections(catalog):
    """Seed 003: sections of 5, 4, 3, 5 and 5 measures."""
    plan = _instrument(catalog, "decent-work-2024-2025")
    assert _sections(plan) == {"1": 5, "2": 4, "3": 3, "4": 5, "5": 5}


def test_conflict_roadmap_has_31_measures_in_6_sections(catalog):
    """Seed 004: sections of 9, 5, 5, 2, 3 and 7 measures, numbered 1–31 straight through."""
    plan = _instrument(catalog, "conflict-prevention-2025-2026")
    assert _sections(plan) == {"1": 9, "2": 5, "3": 5, "4": 2, "5": 3, "6": 7}
    assert [o.number for o in plan.obligations] == [str(n) for n in range(1, 32)]


def test_conflict_roadmap_header_cites_the_rtk_protocol(catalog):
    """Approved by the РТК protocol of 3 December 2024, valid 2025–2026."""
    spec = _instrument(catalog, "conflict-prevention-2025-2026").spec
    assert spec.approved_on == date(2024, 12, 3)
    assert (spec.valid_from, spec.valid_to) == (date(2025, 1, 1), date(2026, 12, 31))


@pytest.mark.parametrize(
    ("key", "deadline", "result", "owners"),
    [
        ("decent-work-2024-2025/1.1", "3-й квартал 2024", "Предложения к законопроекту",
         [("МОТ", True, False), ("МТСЗН", False, False), ("РОП", False, False), ("РОР", False, False)]),
        ("decent-work-2024-2025/3.2", "4-й квартал 2024", "Предложения",
         [("МТСЗН", True, False), ("МЮ", False, False), ("МФ", False, False), ("МНЭ", False, False),
          ("РОП", False, False), ("РОР", False, False)]),
        ("decent-work-2024-2025/4.3", "4-й квартал 2024 года",
         "Трехсторонний семинар (онлайн) Проект сравнительного анализа",
         [("МОТ", True, False), ("МТСЗН", False, False), ("РОП", False, False), ("РОР", False, False)]),
        ("decent-work-2024-2025/4.5", "1-й квартал 2025", "Рекомендации",
         [("МОТ", True, False), ("МТСЗН", False, False), ("МЮ", False, False), ("МИД", False, False)]),
        ("conflict-prevention-2025-2026/1", "Ежедневно, на постоянной основе",
         "Аналитическая справка и/или отчёт о принятых мерах по предприятиям с высоким риском "
         "социально-трудового конфликта",
         [("МТСЗН", True, False), ("МКИ", False, False), ("МЦРИАП", False, False), ("МИО", False, False),
          ("САМРУК-КАЗЫНА", False, True), ("РОР", False, True)]),
        ("conflict-prevention-2025-2026/9", "1-полугодие 2025 года",
         "Учебная программа и материалы, одобренные решением РТК",
         [("МТСЗН", True, False), ("МИО", False, False), ("РОР", False, False), ("РОП", False, True)]),
        ("conflict-prevention-2025-2026/12", "Ежегодно",
         "Планы по повышению заработной платы низкооплачиваемых работников предприятий",
         [("МИО", True, False), ("МТСЗН", False, False), ("РОП", False, True), ("РОР", False, True),
          ("САМРУК-КАЗЫНА", False, True)]),
        ("conflict-prevention-2025-2026/15", "Ежемесячно", "Акты реагирования, письма",
         [("МФ", True, False), ("МТСЗН", False, False)]),
        ("conflict-prevention-2025-2026/21", "2025 год", "Справка по дополнению Карты трудовых рисков",
         [("МТСЗН", True, False), ("МИО", False, False), ("МЭ", False, False), ("МСХ", False, False),
          ("МО", False, False), ("МЦРИАП", False, False), ("МТ", False, False), ("МЗ", False, False),
          ("МНВО", False, False), ("МЭПР", False, False), ("МП", False, False), ("МПС", False, False),
          ("РОП", False, True), ("РОР", False, True)]),
        ("conflict-prevention-2025-2026/25", "В течение 2025 года", "Отраслевые соглашения",
         [("ЦГО", True, False), ("РОП", False, True), ("РОР", False, True)]),
        ("conflict-prevention-2025-2026/30", "2025 год", "Отраслевые соглашения",
         [("ЦГО", True, False), ("ООР", False, True), ("ОПС", False, True)]),
    ],
)
def test_measure_matches_the_source(catalog, key, deadline, result, owners):
    """Deadline as written, result and owners in source order (lead first, by-agreement flags)."""
    plan = _obligation(catalog, key)
    assert plan.deadline.text == deadline
    assert plan.result == result
    assert _owners(plan) == owners


def test_texts_are_verbatim_with_sub_points(catalog):
    """Measure 1.3 of the ILO roadmap keeps its bullet list line by line; 6.25 of 004 keeps а), б), в)."""
    text = _obligation(catalog, "decent-work-2024-2025/1.3").text
    assert text.startswith("Оказать экспертную помощь в подготовке поправок по гармонизации законодательства")
    assert "\n· повторные моратории на инспекционные посещения в сфере труда;" in text
    assert text.endswith("ежегодный отчет о деятельности инспекции труда.")
    text = _obligation(catalog, "conflict-prevention-2025-2026/25").text
    assert "\nа) заключению отраслевых соглашений в отраслях, не охваченных социальным диалогом;" in text
    assert "\nв) проведению информационно-разъяснительной работы" in text


def test_look_alike_latin_letter_resolves_to_the_ministry_of_justice(catalog):
    """"MЮ" with a Latin M (measure 3.2 of seed 003) is an alias of МЮ, and the YAML keeps it as written."""
    assert "MЮ" in (ROADMAPS / "decent-work-2024-2025.yaml").read_text(encoding="utf-8")
    plan = _obligation(catalog, "decent-work-2024-2025/3.2")
    assert "МЮ" in [o.code for o in plan.owners]
    assert "MЮ" in plan.owners_text


def test_inferred_owners_are_recorded(catalog):
    """Prose owners of measure 13 are resolved, with the prose kept and the inference explained."""
    plan = _obligation(catalog, "conflict-prevention-2025-2026/13")
    assert plan.owners_text.startswith("Полномочные представители уполномоченных государственных органов")
    assert "Выведено" in plan.owners_note
    assert _owners(plan)[0] == ("МТСЗН", True, False)
    mo = next(o for o in catalog.organizations.organizations if o.code == "МО")
    assert "не расшифрована" in mo.note
    mtszn = next(o for o in catalog.organizations.organizations if o.code == "МТСЗН")
    assert "МТЗСН" in mtszn.aliases


def test_general_agreement_is_partial_and_every_obligation_cites_its_source(catalog):
    """Five sections from seed 000; nine ILO conventions from seed 003; each obligation quotes its passage."""
    plan = _instrument(catalog, "general-agreement-2024-2026")
    assert plan.spec.completeness == "partial" and plan.spec.completeness_note
    assert [s.title.ru for s in plan.sections] == [
        "Социальное партнерство и диалог", "Рынок труда и занятость населения", "Социально-экономическая политика",
        "Условия и охрана труда, промышленная и экологическая безопасность",
        "Нормотворческая работа в области социально-трудовых отношений"]
    assert all(o.source_document and o.source_quote for o in plan.obligations)
    conventions = {n for n in ("102", "131", "132", "154", "161", "173", "176", "184", "190")
                   if any(f"№{n}" in o.text for o in plan.obligations)}
    assert len(conventions) == 9


def test_synced_checkpoints_and_group_fan_out(db, synced):
    """Measure 1 of 004 has 8 quarterly checkpoints; МИО fans out to 20 akimats per checkpoint."""
    ob = db.exec(select(Obligation).where(Obligation.key == "conflict-prevention-2025-2026/1")).one()
    checkpoints = db.exec(select(Checkpoint).where(Checkpoint.obligation_id == ob.id)
                          .order_by(Checkpoint.due_on)).all()
    assert [(c.period, c.due_on) for c in checkpoints][:2] == [("2025-Q1", date(2025, 3, 31)),
                                                               ("2025-Q2", date(2025, 6, 30))]
    assert len(checkpoints) == 8
    akimat_reports = db.exec(
        select(func.count()).select_from(Report).join(Organization, Organization.id == Report.organization_id)
        .where(Report.checkpoint_id == checkpoints[0].id, Organization.kind == "akimat")).one()
    assert akimat_reports == 20
    lead = db.exec(select(Organization.code).join(Report, Report.organization_id == Organization.id)
                   .where(Report.checkpoint_id == checkpoints[0].id, Report.is_lead)).all()
    assert lead == ["МТСЗН"]


def test_jointly_reporting_group_answers_as_one_party(db, synced):
    """РОР answers as one party (jointly): one report from РОР itself, none from its members."""
    ob = db.exec(select(Obligation).where(Obligation.key == "decent-work-2024-2025/1.1")).one()
    codes = db.exec(select(Organization.code).join(Report, Report.organization_id == Organization.id)
                    .join(Checkpoint).where(Checkpoint.obligation_id == ob.id)).all()
    assert sorted(codes) == sorted(["МОТ", "МТСЗН", "РОП", "РОР"])


def test_event_driven_measure_has_no_checkpoint(db, synced):
    """Measure 5 of 004 ("По мере поступления запроса") waits for the secretary to open a checkpoint."""
    ob = db.exec(select(Obligation).where(Obligation.key == "conflict-prevention-2025-2026/5")).one()
    assert ob.deadline_kind == "event"
    assert db.exec(select(func.count()).select_from(Checkpoint).where(Checkpoint.obligation_id == ob.id)).one() == 0
