"""Configuration: typed TRACKER_* settings, comma lists, and a clear message naming a wrong variable."""

import subprocess
import sys

import pytest

from tracker.config import ConfigError, read_settings


def test_defaults_and_comma_lists(monkeypatch):
    """Unset variables take their defaults; comma lists are split, numbers sorted from the largest."""
    monkeypatch.setenv("TRACKER_REMINDER_DAYS_BEFORE", " 7, 30,1")
    monkeypatch.setenv("TRACKER_HOLIDAYS", "01-01, 2026-05-27")
    monkeypatch.setenv("TRACKER_BASE_URL", "https://mindet.enbek.kz/")
    settings = read_settings()
    assert settings.reminder_days_before == (30, 7, 1)
    assert settings.holidays == ("01-01", "2026-05-27")
    assert settings.base_url == "https://mindet.enbek.kz" and settings.mail_port == 25


def test_the_log_level_is_read_in_either_case(monkeypatch):
    """One variable sets gunicorn's level (lower case in its documentation) and Mindet's: both spellings start."""
    monkeypatch.setenv("TRACKER_LOG_LEVEL", "warning")
    assert read_settings().log_level == "WARNING"
    monkeypatch.setenv("TRACKER_LOG_LEVEL", "loud")
    with pytest.raises(ConfigError, match="TRACKER_LOG_LEVEL"):
        read_settings()


@pytest.mark.parametrize(("name", "value"), [("TRACKER_MAIL_PORT", "twenty-five"), ("TRACKER_SEND_HOUR", "25"),
                                             ("TRACKER_MAIL_BACKEND", "pigeon")])
def test_a_wrong_variable_is_named(monkeypatch, name, value):
    """A value that cannot be used stops start-up with the variable's name, not a traceback deep inside."""
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        read_settings()


def test_the_command_line_says_which_variable_is_wrong(tmp_path):
    """`mindet` with a wrong variable exits 2 with one line that names it."""
    env = {"PATH": "", "TRACKER_MAIL_PORT": "abc", "TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"}
    done = subprocess.run([sys.executable, "-c", "from tracker.cli.main import main; main()", "roadmaps", "check"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "TRACKER_MAIL_PORT" in done.stderr and "Traceback" not in done.stderr
