"""Configuration: defaults, then TRACKER_* environment variables."""

from __future__ import annotations

import os
from pathlib import Path

from tracker.languages import DEFAULT_LANGUAGE, LANGUAGES

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_EVIDENCE_TYPES = "pdf,docx,xlsx,odt,ods,png,jpeg,txt,csv,zip"
#: Kazakhstan's fixed-date public holidays (MM-DD); movable ones (Kurban Ait) and transferred days off are added
#: as full dates (YYYY-MM-DD) in TRACKER_HOLIDAYS, which replaces this list
DEFAULT_HOLIDAYS = "01-01,01-02,01-07,03-08,03-21,03-22,03-23,05-01,05-07,05-09,07-06,08-30,10-25,12-16"


def _default_database_url(instance_path: Path) -> str:
    return f"sqlite:///{instance_path / 'mindet.sqlite3'}"


def _numbers(value: str) -> tuple[int, ...]:
    return tuple(sorted({int(part) for part in value.replace(" ", "").split(",") if part}, reverse=True))


def _flag(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes", "on")


def _instance_secret(instance_path: Path) -> str:
    """A random key kept in instance/secret_key, so that every worker and restart of one machine shares it."""
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(os.urandom(32).hex())
    return path.read_text().strip()


def load_config(instance_path: Path, overrides: dict | None = None) -> dict:
    """Build the app configuration from defaults, TRACKER_* variables and explicit overrides (tests)."""
    env = os.environ
    config = {
        "SECRET_KEY": env.get("TRACKER_SECRET_KEY"),
        "DATABASE_URL": env.get("TRACKER_DATABASE_URL") or _default_database_url(instance_path),
        "ROADMAPS_DIR": Path(env.get("TRACKER_ROADMAPS_DIR") or PROJECT_ROOT / "roadmaps"),
        "BABEL_DEFAULT_LOCALE": DEFAULT_LANGUAGE,
        "BABEL_DEFAULT_TIMEZONE": "Asia/Almaty",
        "LANGUAGES": tuple(LANGUAGES),
        "SQL_ECHO": _flag(env.get("TRACKER_SQL_ECHO")),
        "BASE_URL": (env.get("TRACKER_BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
        "HTTPS": _flag(env.get("TRACKER_HTTPS")),
        "PROXY_FIX": _flag(env.get("TRACKER_PROXY_FIX")),
        "SESSION_IDLE_MINUTES": int(env.get("TRACKER_SESSION_IDLE_MINUTES") or 120),
        "SESSION_ABSOLUTE_HOURS": int(env.get("TRACKER_SESSION_ABSOLUTE_HOURS") or 12),
        "RATELIMIT_STORAGE_URI": env.get("TRACKER_RATELIMIT_STORAGE") or "memory://",
        "LOGIN_RATE_LIMIT": env.get("TRACKER_LOGIN_RATE_LIMIT") or "20 per minute",
        "MAIL_BACKEND": env.get("TRACKER_MAIL_BACKEND") or "console",
        "MAIL_HOST": env.get("TRACKER_MAIL_HOST") or "127.0.0.1",
        "MAIL_PORT": int(env.get("TRACKER_MAIL_PORT") or 25),
        "MAIL_SECURITY": env.get("TRACKER_MAIL_SECURITY") or "none",
        "MAIL_USERNAME": env.get("TRACKER_MAIL_USERNAME"),
        "MAIL_PASSWORD": env.get("TRACKER_MAIL_PASSWORD"),
        "MAIL_SENDER": env.get("TRACKER_MAIL_SENDER") or "Mindet <mindet@localhost>",
        "MAIL_MAX_ATTEMPTS": int(env.get("TRACKER_MAIL_MAX_ATTEMPTS") or 8),
        "MAIL_RETRY_MINUTES": int(env.get("TRACKER_MAIL_RETRY_MINUTES") or 5),
        "REMINDER_DAYS_BEFORE": _numbers(env.get("TRACKER_REMINDER_DAYS_BEFORE") or "30,7,1"),
        "REMINDER_OVERDUE_EVERY_DAYS": int(env.get("TRACKER_REMINDER_OVERDUE_EVERY_DAYS") or 7),
        "ESCALATE_TO_HEAD_DAYS": int(env.get("TRACKER_ESCALATE_TO_HEAD_DAYS") or 14),
        "ESCALATE_TO_SECRETARY_DAYS": int(env.get("TRACKER_ESCALATE_TO_SECRETARY_DAYS") or 30),
        "SEND_HOUR": int(env.get("TRACKER_SEND_HOUR") or 9),
        "HOLIDAYS": (env.get("TRACKER_HOLIDAYS") or DEFAULT_HOLIDAYS).replace(" ", "").split(","),
        "EVIDENCE_DIR": Path(env.get("TRACKER_EVIDENCE_DIR") or instance_path / "evidence"),
        "EVIDENCE_TYPES": (env.get("TRACKER_EVIDENCE_TYPES") or DEFAULT_EVIDENCE_TYPES).replace(" ", "").split(","),
        "EVIDENCE_MAX_MB": int(env.get("TRACKER_EVIDENCE_MAX_MB") or 25),
        "EVIDENCE_MAX_FILES": int(env.get("TRACKER_EVIDENCE_MAX_FILES") or 10),
        "EVIDENCE_ZIP_MAX_ENTRIES": int(env.get("TRACKER_EVIDENCE_ZIP_MAX_ENTRIES") or 10_000),
        "EVIDENCE_ZIP_MAX_MB": int(env.get("TRACKER_EVIDENCE_ZIP_MAX_MB") or 250),
    }
    config.update(overrides or {})
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = _instance_secret(instance_path)
    config["ROADMAPS_DIR"] = Path(config["ROADMAPS_DIR"])
    # a request may carry every allowed file at full size, plus the form around them
    config["MAX_CONTENT_LENGTH"] = (config["EVIDENCE_MAX_FILES"] * config["EVIDENCE_MAX_MB"] + 1) * 1024 * 1024
    config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config["HTTPS"],
        PREFERRED_URL_SCHEME="https" if config["HTTPS"] else "http",
    )
    return config
