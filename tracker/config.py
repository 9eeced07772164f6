"""Configuration: defaults, then TRACKER_* environment variables."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _default_database_url(instance_path: Path) -> str:
    return f"sqlite:///{instance_path / 'mindet.sqlite3'}"


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
        "BABEL_DEFAULT_LOCALE": "ru",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Almaty",
        "LANGUAGES": ("ru", "kk", "en"),
        "DEMO": env.get("TRACKER_DEMO", "").lower() in ("1", "true", "yes"),
        "SQL_ECHO": env.get("TRACKER_SQL_ECHO", "").lower() in ("1", "true", "yes"),
    }
    config.update(overrides or {})
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = _instance_secret(instance_path)
    config["ROADMAPS_DIR"] = Path(config["ROADMAPS_DIR"])
    return config
