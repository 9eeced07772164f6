"""Filters that understand what people type: organizations by code, alias or name; periods in their usual forms;
measures found by number, words and owner."""

import pytest

from tracker.catalog.pickers import match_organizations, parse_period
from tracker.catalog.search import search


@pytest.mark.parametrize("typed,codes", [
    ("МЮ", {"МЮ"}), ("мю", {"МЮ"}), ("MЮ", {"МЮ"}),                   # any case; a Latin M
    ("Министерство юстиции", {"МЮ"}), ("әділет", {"МЮ"}),              # Russian and Kazakh names
    ("ILO", {"МОТ"}),                                                    # an alias
])
def test_an_organization_is_found_however_it_is_typed(db, synced, typed, codes):
    """Codes in any case or with Latin look-alikes, names in Russian or Kazakh, and aliases all name it."""
    assert {o.code for o in match_organizations(db, typed).organizations} == codes


def test_a_group_stands_for_its_members_and_nonsense_matches_nothing(db, synced):
    """"МИО" selects the group and its 20 akimats; "акимат" finds every akimat by name; "xyz" finds none."""
    group = match_organizations(db, "МИО")
    assert [o.code for o in group.organizations] == ["МИО"] and len(group.ids) == 21
    assert len(match_organizations(db, "акимат").organizations) >= 20
    assert not match_organizations(db, "xyz").found


@pytest.mark.parametrize("typed,label", [
    ("2025-Q1", "2025-Q1"), ("2025q1", "2025-Q1"), ("2025 Q1", "2025-Q1"), ("Q1 2025", "2025-Q1"),
    ("I кв. 2025", "2025-Q1"), ("IV квартал 2025 г.", "2025-Q4"), ("2 кв 2026", "2026-Q2"),
    ("2025-H2", "2025-H2"), ("2025", "2025"), ("2025 год", "2025"), ("2025-03", "2025-03"),
    ("2024-2026", "2024-2026"), ("весна", None), ("2025-Q5", None),
])
def test_periods_as_people_write_them(typed, label):
    """The usual forms of a quarter, half, year, month and span are understood; anything else is None."""
    assert parse_period(typed) == label


def test_the_overdue_view_understands_typed_filters_and_says_when_it_cannot(app, client, db, synced):
    """"Министерство юстиции" and "2025q1" filter as МЮ and 2025-Q1; an unknown organization or period is
    named in a message instead of a silent empty list."""
    from .conftest import login, make_user

    make_user(db, "sec@example.kz", "secretary", instruments=["conflict-prevention-2025-2026",
                                                              "decent-work-2024-2025"])
    login(client, "sec@example.kz")
    by_code = client.get("/overdue?organization=МЮ").get_data(as_text=True)
    by_name = client.get("/overdue?organization=Министерство+юстиции").get_data(as_text=True)
    assert "Министерство юстиции Республики Казахстан" in by_name
    assert by_code.count("<tr>") == by_name.count("<tr>") > 1
    unknown = client.get("/overdue?organization=Министерство+магии&period=весна").get_data(as_text=True)
    assert "«Министерство магии» не найдена" in unknown and "Период «весна» не распознан" in unknown
    submitted = client.get("/overdue?status=submitted").get_data(as_text=True)
    assert "не считаются просроченными" in submitted


def test_measures_are_found_by_number_words_and_owner(db, synced):
    """A number finds the measures with it, words find them in other grammatical forms, an owner's code finds
    what it owns."""
    by_number = search(db, "2.2")
    assert by_number and all(hit.obligation.number == "2.2" and hit.why == "number" for hit in by_number)
    by_words = search(db, "трудовые споры")  # the texts say "трудовых споров", "трудовые споры"
    assert by_words and {hit.why for hit in by_words} == {"text"}
    assert all("трудов" in hit.obligation.text.lower() and "спор" in hit.obligation.text.lower()
               for hit in by_words)
    by_owner = search(db, "МЮ")
    assert by_owner and {hit.why for hit in by_owner} == {"owner"}
    assert search(db, "") == [] and search(db, "%_%") == []


def test_the_search_page_lists_hits_and_says_when_there_are_none(client, db, synced):
    """The search box's page: links to the measures found; a plain message when nothing matches."""
    from .conftest import login, make_user

    make_user(db, "obs@example.kz", "observer")
    login(client, "obs@example.kz")
    page = client.get("/search?q=2.2").get_data(as_text=True)
    assert 'href="/obligations/decent-work-2024-2025/2.2"' in page
    assert "ничего не найдено" in client.get("/search?q=квазар").get_data(as_text=True)
