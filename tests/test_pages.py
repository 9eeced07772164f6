"""Read-only pages: instruments, an instrument, an obligation; Russian by default; Markdown sanitised."""

import re

from .conftest import write_instrument


def test_instrument_list_shows_counts(client, observer):
    """The home page lists the three instruments with their obligation counts and marks the partial one."""
    page = client.get("/").get_data(as_text=True)
    assert "Дорожная карта по содействию достойному труду в Республике Казахстан" in page
    assert "Генеральное соглашение" in page and "неполный текст" in page
    assert '<td class="num">22</td>' in page and '<td class="num">31</td>' in page


def test_the_instrument_list_is_paged_and_each_page_counts_its_own_instruments(client, observer, monkeypatch):
    """A national deployment has a hundred instruments: the list shows a page of them (by key) with "дальше →",
    each row counted as on one whole list; a page past the end shows the last one."""
    from tracker.web.views import catalog

    whole = client.get("/").get_data(as_text=True)
    rows = re.findall(r'<tr>\s*<td><a href="/instruments/([^"]+)">.*?</tr>', whole, re.S)
    assert len(rows) == 4 and "Страница" not in whole  # the roadmaps' instruments and the example region's
    monkeypatch.setattr(catalog, "INSTRUMENTS_PAGE", 3)
    first, second = client.get("/").get_data(as_text=True), client.get("/?page=2").get_data(as_text=True)
    assert "Страница 1 из 2 · инструментов: 4" in first and '<a href="/?page=2">дальше →</a>' in first
    assert "Страница 2 из 2" in second and '<a href="/?page=1">← назад</a>' in second and "дальше" not in second
    paged = [re.findall(r'<tr>\s*<td><a href="/instruments/([^"]+)">.*?</tr>', page, re.S) for page in (first, second)]
    assert [len(keys) for keys in paged] == [3, 1] and paged[0] + paged[1] == rows
    for key in rows:  # the same figures on a page as on the whole list
        row = re.search(rf'<td><a href="/instruments/{key}">.*?</tr>', whole, re.S).group(0)
        assert row in first + second
    assert "Страница 2 из 2" in client.get("/?page=9").get_data(as_text=True)


def test_instrument_page_shows_sections_obligations_owners_and_next_due(client, observer):
    """Sections in order, each obligation with deadline as written, owners (lead marked) and status."""
    page = client.get("/instruments/conflict-prevention-2025-2026").get_data(as_text=True)
    assert "1. Мониторинг ситуации в социально-трудовой сфере" in page
    assert "6. Меры по расширению социального диалога на отраслевом и региональном уровнях" in page
    assert "По мере поступления запроса" in page and "по событию" in page
    assert "31.12.2026" in page  # the next due date of the quarterly measures
    assert "(головной)" in page and "(по согласованию)" in page


def test_obligation_page_shows_text_result_owners_and_checkpoints(client, observer):
    """Measure 15: verbatim text, result, owners and its 24 monthly checkpoints with due dates."""
    page = client.get("/obligations/conflict-prevention-2025-2026/15").get_data(as_text=True)
    assert "Проведение мониторинга по информационным системам своевременной уплаты" in page
    assert "Акты реагирования, письма" in page
    assert len(re.findall(r'/checkpoints/\d+">202[56]-', page)) == 24
    assert "28.02.2025" in page and "просрочено" in page
    assert 'href="/instruments/conflict-prevention-2025-2026"' in page  # where you are


def test_partial_instrument_says_so_and_cites_sources(client, observer):
    """The General Agreement is marked partial, and an obligation shows its quoted source."""
    page = client.get("/obligations/general-agreement-2024-2026/5.2").get_data(as_text=True)
    assert "Неполный текст инструмента." in page
    assert "№131" in page and "Генеральное соглашение предусматривает совместные действия" in page


def test_unknown_pages_are_404(client, observer):
    """A missing instrument or obligation gives a 404 page with a way back."""
    for url in ("/instruments/nope", "/obligations/nope/1"):
        response = client.get(url)
        assert response.status_code == 404
        assert "К списку инструментов" in response.get_data(as_text=True)


def test_russian_is_the_default_whatever_the_browser_says(client, observer):
    """Without a choice the interface is Russian, even for a browser that asks for English."""
    page = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="ru">' in page and "Дорожные карты и соглашения" in page


def test_english_switch_keeps_source_texts_verbatim(client, observer):
    """?lang=en shows English titles where the YAML has them; obligation texts stay in Russian."""
    page = client.get("/instruments/decent-work-2024-2025?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Roadmap for the Promotion of Decent Work" in page
    assert "Оказать экспертную поддержку в подготовке поправок" in page
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)  # the choice is remembered


def test_markdown_in_texts_is_sanitised(app, client, roadmaps_dir, db, observer):
    """A script tag or javascript: link in an obligation text never reaches the page."""
    from tracker.catalog.loader import load_catalog
    from tracker.catalog.sync import sync_catalog

    from .conftest import NOW

    path = write_instrument(roadmaps_dir)
    path.write_text(path.read_text(encoding="utf-8").replace(
        'text: "Первая мера"', 'text: "Мера <script>alert(1)</script> [ссылка](javascript:alert(2)) **важно**"'),
        encoding="utf-8")
    sync_catalog(session=db, catalog=load_catalog(roadmaps_dir), now=NOW)
    db.commit()
    page = client.get("/obligations/test-roadmap/1").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "javascript:" not in page
    assert "<strong>важно</strong>" in page


def test_overview_and_obligation_pages_agree_on_what_is_overdue(db, synced):
    """The instruments list counts exactly the checkpoints the obligation views call overdue; a submitted
    report past its due date is not overdue in either."""
    from sqlmodel import select

    from tracker.as_of import Moment
    from tracker.catalog.obligations import obligation_views
    from tracker.insight.figures import instrument_overview
    from tracker.models import Checkpoint, Instrument, Obligation, Report

    from .conftest import NOW

    today = NOW.date()
    instrument = db.exec(select(Instrument).where(Instrument.key == "decent-work-2024-2025")).one()

    def counts():
        overview = next(r for r in instrument_overview(db, Moment.today(today)).rows
                        if r["instrument"].id == instrument.id)
        views = obligation_views(session=db, when=Moment.today(today), instrument=instrument)
        return overview["overdue"], sum(v.overdue_count for v in views)

    assert counts() == (22, 22)
    lead = db.exec(select(Report).join(Checkpoint).join(Obligation)
                   .where(Obligation.key == "decent-work-2024-2025/1.1", Report.is_lead)).one()
    lead.status = "submitted"
    db.commit()
    assert counts() == (21, 21)


def test_people_pages_name_roles_and_instruments_not_codes(app, db, world):
    """«(focal_point)» on /organizations and /admin/users, «администратор;» and instrument keys showed through:
    roles and instruments are named in the reader's language."""
    from .conftest import make_user, signed_in

    make_user(db, "fp@example.kz", "focal_point", orgs=["МТСЗН"])
    make_user(db, "sec@example.kz", "secretary", instruments=["world"])
    admin = signed_in(app, make_user(db, "admin@example.kz", "admin"))
    def visible(url):  # the text a person reads: no tags, no attribute values
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", admin.get(url).get_data(as_text=True)))

    pages = {url: visible(url) for url in ("/organizations", "/organizations/МТСЗН", "/admin/users")}
    for url, page in pages.items():
        for code in ("focal_point", "secretary", "(admin)", "администратор;", " world "):
            assert code not in page, (url, code)
    assert "Контактное лицо организации" in pages["/organizations"]
    assert "МТСЗН — Контактное лицо организации" in pages["/admin/users"]
    assert "Секретарь комиссии: Тестовая дорожная карта" in pages["/admin/users"]
    english = visible("/admin/users?lang=en")
    assert "Test roadmap" in english and "Administrator" in english


def test_organization_fields_are_offered_their_choices_once_in_the_persons_language(app, db, synced):
    """The overdue view and the review queue no longer write 600 organizations into each page: their field names
    /organizations.json, which lists every live organization (a group marked as one) in the person's language,
    kept by the browser a few minutes."""
    from .conftest import make_user, signed_in

    client = signed_in(app, make_user(db, "sec@example.kz", "secretary", instruments=["conflict-prevention-2025-2026"]))
    for url in ("/overdue", "/review"):
        page = client.get(url).get_data(as_text=True)
        assert 'data-choices="/organizations.json"' in page and "<datalist" in page
        assert '<option value="МТСЗН">' not in page
    response = client.get("/organizations.json")
    assert "private" in response.headers["Cache-Control"] and "max-age=300" in response.headers["Cache-Control"]
    choices = {choice["code"]: choice["name"] for choice in response.get_json()}
    assert choices["МТСЗН"].startswith("Министерство труда")
    assert choices["МИО"].endswith("(группа)")
    english = {c["code"]: c["name"] for c in client.get("/organizations.json?lang=en").get_json()}
    assert english["МТСЗН"].startswith("Ministry of Labour") and english["МИО"].endswith("(group)")
