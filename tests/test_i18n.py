"""Languages: complete Kazakh and English catalogs, compiled; the switch; the account's language by default."""

import subprocess
import sys

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from .conftest import ROOT, login, make_user

CATALOGS = ROOT / "tracker" / "translations"


def test_every_interface_string_is_translated(tmp_path):
    """Extracting the strings again finds none without an English and a Kazakh translation, and the compiled
    catalogs match their sources (run `make translations` after changing strings)."""
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(ROOT / "babel.cfg"),
                    "-k", "_l", "-k", "lazy_gettext", "--no-location", "-o", str(pot), str(ROOT)],
                   check=True, capture_output=True, cwd=ROOT)
    wanted = {m.id for m in read_po(pot.open("rb")) if m.id}
    assert len(wanted) > 250
    for lang in ("en", "kk"):
        po = read_po((CATALOGS / lang / "LC_MESSAGES" / "messages.po").open("rb"))
        translated = {m.id for m in po if m.id and m.string}
        assert wanted - translated == set(), f"untranslated in {lang}"
        mo = read_mo((CATALOGS / lang / "LC_MESSAGES" / "messages.mo").open("rb"))
        assert {m.id: m.string for m in mo if m.id} == {m.id: m.string for m in po if m.id}, f"recompile {lang}"


def test_language_switch_and_account_language(client, db, world):
    """Russian by default; ?lang=en and ?lang=kk switch and stick; a person's saved language is the default."""
    user = make_user(db, "fp@example.kz", "focal_point", orgs=["МТСЗН"])
    login(client, user.email)
    assert "Организации" in client.get("/").get_data(as_text=True)
    assert "Organizations" in client.get("/?lang=en").get_data(as_text=True)
    assert "Ұйымдар" in client.get("/?lang=kk").get_data(as_text=True)
    assert "Ұйымдар" in client.get("/").get_data(as_text=True)  # remembered
    user.language = "en"
    db.add(user)
    db.commit()
    fresh = client.application.test_client()
    login(fresh, user.email)
    page = fresh.get("/").get_data(as_text=True)
    assert "Organizations" in page and 'lang="en"' in page
    # obligation texts stay in Russian whatever the interface language
    assert "Совершенствование системы мониторинга" in fresh.get("/obligations/world/1.1").get_data(as_text=True)


def test_catalog_folder_is_packaged():
    """pyproject ships the compiled catalogs with the package."""
    assert "translations/*/LC_MESSAGES/*" in (ROOT / "pyproject.toml").read_text()
    assert all((CATALOGS / lang / "LC_MESSAGES" / "messages.mo").exists() for lang in ("en", "kk"))


def test_dates_and_numbers_follow_the_language(app):
    """31.12.2025 in Russian and Kazakh, 31 Dec 2025 in English; numbers with the language's separators."""
    from datetime import date

    from flask_babel import force_locale

    from tracker.web.i18n import format_day

    with app.test_request_context():
        for lang, expected in (("ru", "31.12.2025"), ("kk", "31.12.2025"), ("en", "31 Dec 2025")):
            with force_locale(lang):
                assert format_day(date(2025, 12, 31)) == expected
    for lang, expected in (("en", "12,345"), ("ru", "12 345")):
        with app.test_request_context(f"/?lang={lang}"):
            assert app.jinja_env.from_string("{{ 12345|format_number }}").render().replace("\xa0", " ") == expected
