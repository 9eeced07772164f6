"""Configuration: one typed settings object read from TRACKER_* environment variables, then the Flask config."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from tracker.languages import DEFAULT_LANGUAGE, LANGUAGES

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: comma-separated in the environment: "30,7,1"
CommaList = Annotated[tuple[str, ...], NoDecode]
CommaNumbers = Annotated[tuple[int, ...], NoDecode]


class ConfigError(RuntimeError):
    """A TRACKER_* variable that cannot be used; the message names it and says what it should be."""


class Settings(BaseSettings):
    """Every setting of a deployment, each from the variable TRACKER_<NAME> (see the README's settings table)."""

    model_config = SettingsConfigDict(env_prefix="TRACKER_", extra="ignore", frozen=True)

    secret_key: str | None = None
    database_url: str | None = None  #: default: SQLite in the instance folder
    roadmaps_dir: Path = PROJECT_ROOT / "roadmaps"
    sql_echo: bool = False
    base_url: str = "http://127.0.0.1:5000"
    https: bool = False
    proxy_fix: bool = False
    session_idle_minutes: int = Field(120, gt=0)
    session_absolute_hours: int = Field(12, gt=0)
    #: memory:// counts per process; redis://host:port/db shares the counts between every web node
    ratelimit_storage: str = Field("memory://", pattern=r"^(memory://|rediss?://\S+)$")
    login_rate_limit: str = "20 per minute"
    #: requests per token (or per address without one) to /api/v1
    api_rate_limit: str = "600 per minute"
    mail_backend: Literal["smtp", "console", "memory"] = "console"
    mail_host: str = "127.0.0.1"
    mail_port: int = Field(25, gt=0, lt=65536)
    mail_security: Literal["none", "starttls", "tls"] = "none"
    mail_username: str | None = None
    mail_password: str | None = None
    mail_sender: str = "Mindet <mindet@localhost>"
    mail_max_attempts: int = Field(8, gt=0)
    mail_retry_minutes: int = Field(5, gt=0)
    reminder_days_before: CommaNumbers = (30, 7, 1)
    reminder_overdue_every_days: int = Field(7, gt=0)
    escalate_to_head_days: int = Field(14, ge=0)
    escalate_to_secretary_days: int = Field(30, ge=0)
    send_hour: int = Field(9, ge=0, lt=24)
    #: days off beyond Kazakhstan's official calendar (which comes from the `holidays` package): MM-DD or YYYY-MM-DD
    holidays: CommaList = ()
    #: working days an owner has to answer a request for information on a measure
    information_request_days: int = Field(10, gt=0, le=90)
    evidence_dir: Path | None = None  #: default: evidence/ in the instance folder
    #: where the open data package is built daily (served at /public/open-data); default: open-data/ in the instance
    open_data_dir: Path | None = None
    #: s3://bucket[/prefix]: evidence in an S3-compatible object store instead of the evidence folder
    evidence_store: str | None = Field(None, pattern=r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/\S*)?$")
    s3_endpoint_url: str | None = Field(None, pattern=r"^https?://\S+$")  #: default: AWS itself
    s3_region: str | None = None
    evidence_types: CommaList = ("pdf", "docx", "xlsx", "odt", "ods", "png", "jpeg", "txt", "csv", "zip")
    evidence_max_mb: int = Field(25, gt=0)
    evidence_max_files: int = Field(10, gt=0)
    evidence_zip_max_entries: int = Field(10_000, gt=0)
    evidence_zip_max_mb: int = Field(250, gt=0)
    evidence_zip_allow_executables: bool = False
    #: an overdue workbook of more rows than this is prepared by the clock, with its progress shown, not built
    #: while the web worker waits
    xlsx_background_rows: int = Field(5_000, ge=0)
    #: the longest a kept page (tracker/kept_pages.py) is served without being rendered again, even if no write
    #: made through Mindet changed anything since; 0: never keep
    kept_pages_minutes: int = Field(15, ge=0)
    #: json: one JSON object per line (for a log collector); text: one readable line
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    #: administrators and secretaries must sign in with a second factor (TOTP); production should set it
    require_2fa: bool = False
    #: a bearer token for /metrics (Prometheus); unset, /metrics does not exist
    metrics_token: str | None = Field(None, min_length=16)

    @field_validator("holidays", "evidence_types", mode="before")
    @classmethod
    def _split(cls, value):
        return tuple(part for part in value.replace(" ", "").split(",") if part) if isinstance(value, str) else value

    @field_validator("reminder_days_before", mode="before")
    @classmethod
    def _numbers(cls, value):
        if isinstance(value, str):
            value = [part for part in value.replace(" ", "").split(",") if part]
        return tuple(sorted({int(part) for part in value}, reverse=True))

    @field_validator("log_level", mode="before")
    @classmethod
    def _any_case(cls, value):
        # gunicorn's own --log-level is lower case, and the same variable sets both (tracker/deploy/gunicorn.conf.py)
        return value.upper() if isinstance(value, str) else value

    @field_validator("base_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")


def read_settings() -> Settings:
    """The settings from the environment; a ConfigError that names the variable if one is wrong."""
    return _settings_for(frozenset((k, v) for k, v in os.environ.items() if k.startswith("TRACKER_")))


@cache
def _settings_for(_environment: frozenset) -> Settings:
    # keyed by the TRACKER_* variables: the same environment is parsed once (the test suite builds many apps)
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(f"TRACKER_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"{problems}. Fix the variable(s) and start again.") from None


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
    """The Flask configuration: the settings (upper-case names), derived values, then explicit overrides (tests)."""
    settings = read_settings()
    config = {name.upper(): value for name, value in settings.model_dump().items()}
    config["DATABASE_URL"] = settings.database_url or f"sqlite:///{instance_path / 'mindet.sqlite3'}"
    config["EVIDENCE_DIR"] = settings.evidence_dir or instance_path / "evidence"
    config["OPEN_DATA_DIR"] = settings.open_data_dir or instance_path / "open-data"
    config["RATELIMIT_STORAGE_URI"] = config.pop("RATELIMIT_STORAGE")
    # Redis down: count in memory meanwhile rather than refuse every sign-in
    config.update(RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True, RATELIMIT_SWALLOW_ERRORS=True)
    config["HOLIDAYS"] = list(settings.holidays)
    config["INFORMATION_REQUEST_DAYS"] = settings.information_request_days
    config["MAIL_MEMORY"] = []  # where TRACKER_MAIL_BACKEND=memory puts what it sends (tests read it)
    config["EVIDENCE_TYPES"] = list(settings.evidence_types)
    config.update(BABEL_DEFAULT_LOCALE=DEFAULT_LANGUAGE, BABEL_DEFAULT_TIMEZONE="Asia/Almaty",
                  LANGUAGES=tuple(LANGUAGES))
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
