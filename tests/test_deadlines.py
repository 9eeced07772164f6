"""The deadline grammar: every form in the sources, refusal of the unknown, and its properties."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.catalog import deadlines
from tracker.catalog.deadlines import DeadlineError, Frequency, Kind

VALID_2025_2026 = (date(2025, 1, 1), date(2026, 12, 31))


@pytest.mark.parametrize(
    ("text", "label", "due_on"),
    [
        ("3-й квартал\n2024", "2024-Q3", date(2024, 9, 30)),
        ("4-й квартал 2024 года", "2024-Q4", date(2024, 12, 31)),
        ("1-й квартал \n2025", "2025-Q1", date(2025, 3, 31)),
        ("1-квартал \n2025 года", "2025-Q1", date(2025, 3, 31)),
        ("2-й квартал 2025", "2025-Q2", date(2025, 6, 30)),
        ("1-полугодие \n2025 года", "2025-H1", date(2025, 6, 30)),
        ("2-е полугодие 2026 года", "2026-H2", date(2026, 12, 31)),
        ("В течение 2025 года", "2025", date(2025, 12, 31)),
        ("В течение\n2025 года", "2025", date(2025, 12, 31)),
        ("2025 год", "2025", date(2025, 12, 31)),
        ("\n2025 год", "2025", date(2025, 12, 31)),
        ("2025-2026 годы", "2025-2026", date(2026, 12, 31)),
        ("2025–2026 гг.", "2025-2026", date(2026, 12, 31)),
        # Roman numerals, as officials often write them (the Word import refused «IV квартал 2027 года»)
        ("IV квартал 2027 года", "2027-Q4", date(2027, 12, 31)),
        ("II кв. 2026", "2026-Q2", date(2026, 6, 30)),
        ("I полугодие 2026 г.", "2026-H1", date(2026, 6, 30)),
    ],
)
def test_one_off_deadline_is_due_at_the_end_of_its_period(text, label, due_on):
    """A period deadline gives one checkpoint, due on the last day of the period (DESIGN.md examples)."""
    deadline = deadlines.parse(text)
    assert deadline.kind is Kind.ONE_OFF
    [period] = deadline.periods(*VALID_2025_2026)
    assert (period.label, period.ends_on) == (label, due_on)


@pytest.mark.parametrize(
    ("text", "frequency", "count", "first", "last_due"),
    [
        ("Ежемесячно", Frequency.MONTH, 24, "2025-01", date(2026, 12, 31)),
        ("Ежеквартально", Frequency.QUARTER, 8, "2025-Q1", date(2026, 12, 31)),
        ("1 раз в квартал", Frequency.QUARTER, 8, "2025-Q1", date(2026, 12, 31)),
        ("1 раз в полугодие", Frequency.HALF, 4, "2025-H1", date(2026, 12, 31)),
        ("Ежегодно", Frequency.YEAR, 2, "2025", date(2026, 12, 31)),
    ],
)
def test_recurrence_gives_one_checkpoint_per_period_of_the_validity(text, frequency, count, first, last_due):
    """Monthly → 24, quarterly → 8, semi-annual → 4, annual → 2 over 2025–2026."""
    deadline = deadlines.parse(text)
    assert (deadline.kind, deadline.frequency) == (Kind.RECURRING, frequency)
    periods = deadline.periods(*VALID_2025_2026)
    assert len(periods) == count
    assert periods[0].label == first and periods[-1].ends_on == last_due


def test_monthly_labels_and_due_dates():
    """Monthly periods are labelled YYYY-MM and due on the month's last day (February included)."""
    periods = deadlines.parse("Ежемесячно").periods(*VALID_2025_2026)
    assert periods[1].label == "2025-02" and periods[1].ends_on == date(2025, 2, 28)


@pytest.mark.parametrize("text", ["Постоянно", "На постоянной основе", "Ежедневно, на постоянной основе",
                                  "Оперативно, постоянно"])
def test_continuous_duty_is_reported_quarterly(text):
    """A standing duty yields quarterly checkpoints across the validity."""
    deadline = deadlines.parse(text)
    assert deadline.kind is Kind.CONTINUOUS
    assert [p.label for p in deadline.periods(*VALID_2025_2026)][:2] == ["2025-Q1", "2025-Q2"]
    assert len(deadline.periods(*VALID_2025_2026)) == 8


@pytest.mark.parametrize("text", ["По мере поступления запроса", "По итогу проведения заседания",
                                  "В соответствии с графиком"])
def test_event_driven_deadline_has_no_fixed_checkpoint(text):
    """An event-driven obligation gets checkpoints only when a secretary opens one."""
    deadline = deadlines.parse(text)
    assert deadline.kind is Kind.EVENT
    assert deadline.periods(*VALID_2025_2026) == []


@pytest.mark.parametrize("text", ["", "   ", "Скоро", "5-й квартал 2025", "3-е полугодие 2025", "2026-2025 годы",
                                  "квартал", "ежечасно", "до 2025"])
def test_unknown_deadline_is_an_error_never_a_default(text):
    """Anything outside the grammar raises DeadlineError with a hint of what is accepted."""
    with pytest.raises(DeadlineError):
        deadlines.parse(text)


@given(st.text(max_size=60))
def test_parsing_never_crashes_on_arbitrary_text(text):
    """Parsing either succeeds or raises DeadlineError, for any text at all."""
    try:
        deadline = deadlines.parse(text)
    except DeadlineError:
        return
    assert deadline.kind in Kind


@given(st.sampled_from(["Ежемесячно", "Ежеквартально", "1 раз в полугодие", "Ежегодно", "Постоянно"]),
       st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 1, 1)),
       st.integers(min_value=0, max_value=2000))
def test_recurrence_yields_exactly_one_checkpoint_per_period_inside_the_validity(text, start, length):
    """Periods are contiguous, non-overlapping, cover the validity, and none lies wholly outside it."""
    end = date.fromordinal(start.toordinal() + length)
    periods = deadlines.parse(text).periods(start, end)
    assert periods[0].starts_on <= start and periods[-1].ends_on >= end
    for before, after in zip(periods, periods[1:], strict=False):
        assert after.starts_on.toordinal() == before.ends_on.toordinal() + 1
    assert all(p.ends_on >= start and p.starts_on <= end for p in periods)
    assert len({p.label for p in periods}) == len(periods)
