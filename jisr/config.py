"""Settings from JISR_* environment variables, with defaults that serve one machine."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

INSTANCE_DIR = Path(os.environ.get("JISR_INSTANCE_DIR", Path(__file__).resolve().parent.parent / "instance"))


class ConfigError(RuntimeError):
    """Raised at start-up when production settings are missing: failing fast beats a guessable key."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(f"JISR_{name}")
    return value if value not in (None, "") else default


def _int(name: str, default: int) -> int:
    return int(_env(name, str(default)))


def _bool(name: str, default: bool) -> bool:
    return (_env(name, "1" if default else "0") or "").lower() in {"1", "true", "yes", "on"}


def _secret_key(production: bool) -> str:
    key = _env("SECRET_KEY")
    if key:
        return key
    if production:
        raise ConfigError("JISR_SECRET_KEY must be set when JISR_ENV=production.")
    # A development key generated once and kept, so sessions survive restarts without a key in the repo.
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    """Built from the environment when the app is created, not at import time."""

    def __init__(self) -> None:
        self.ENV_NAME = _env("ENV", "development")
        production = self.ENV_NAME == "production"
        self.SECRET_KEY = _secret_key(production)

        database_url = _env("DATABASE_URL")
        if not database_url:
            if production:
                raise ConfigError("JISR_DATABASE_URL must be set when JISR_ENV=production.")
            INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
            database_url = f"sqlite:///{INSTANCE_DIR / 'jisr.sqlite3'}"
        self.SQLALCHEMY_DATABASE_URI = database_url
        self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(database_url)

        self.UPLOAD_DIR = _env("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
        # Where documents live: "local" (UPLOAD_DIR, one server) or "s3" (a bucket every app server reaches).
        self.STORAGE = _env("STORAGE", "local")
        if self.STORAGE not in ("local", "s3"):
            raise ConfigError("JISR_STORAGE must be local or s3.")
        self.S3_BUCKET = _env("S3_BUCKET")
        self.S3_ENDPOINT_URL = _env("S3_ENDPOINT_URL")  # for a store other than AWS (MinIO, Ceph…)
        self.S3_REGION = _env("S3_REGION")
        if self.STORAGE == "s3" and not self.S3_BUCKET:
            raise ConfigError("JISR_S3_BUCKET must be set when JISR_STORAGE=s3.")
        self.MAX_UPLOAD_BYTES = _int("MAX_UPLOAD_MB", 5) * 1024 * 1024
        # Werkzeug refuses bodies above this with 413; leave room for the other form fields.
        self.MAX_CONTENT_LENGTH = self.MAX_UPLOAD_BYTES + 256 * 1024

        # Number of reverse proxies in front of the app: rate limits then see the client's address.
        self.PROXY_COUNT = _int("PROXY_COUNT", 0)
        self.REDIS_URL = _env("REDIS_URL")
        self.RATELIMIT_STORAGE_URI = self.REDIS_URL or "memory://"
        # Redis out of reach: each process counts on its own until it answers again, rather than every
        # sign-in failing with a 500.
        self.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
        self.RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
        self.RATELIMIT_HEADERS_ENABLED = True
        # Background jobs (jisr/jobs.py): in an RQ queue on Redis when JISR_REDIS_URL is set, unless JISR_JOBS=0;
        # otherwise e-mails go after the request's commit and the rest from the cron commands, as on one machine.
        self.JOBS = bool(self.REDIS_URL) and _bool("JOBS", True)
        self.JOBS_QUEUE = _env("JOBS_QUEUE", "jisr")
        # Seconds before each retry of a failed job (back-off); a job runs once more than there are intervals.
        self.JOBS_RETRY_INTERVALS = [int(s) for s in (_env("JOBS_RETRY_INTERVALS", "30,300,1800") or "").split(",")
                                     if s.strip()]
        # With a queue, a files export is prepared by a job and kept this long for the one who asked for it.
        self.EXPORT_HOURS = _int("EXPORT_HOURS", 24)

        # SMS: "log" (written to the log), "http" (a gateway's HTTP API), or "package.module:factory".
        self.SMS_GATEWAY = _env("SMS_GATEWAY", "log")
        self.SMS_URL = _env("SMS_URL")
        self.SMS_TOKEN = _env("SMS_TOKEN")
        self.SMS_SENDER = _env("SMS_SENDER")
        self.SMS_TIMEOUT = float(_env("SMS_TIMEOUT", "10") or 10)
        if self.SMS_GATEWAY not in ("log", "http") and ":" not in self.SMS_GATEWAY:
            raise ConfigError("JISR_SMS_GATEWAY must be log, http or package.module:factory.")
        if self.SMS_GATEWAY == "http" and not self.SMS_URL:
            raise ConfigError("JISR_SMS_URL must be set when JISR_SMS_GATEWAY=http.")

        self.MAIL_SERVER = _env("MAIL_SERVER")
        self.MAIL_PORT = _int("MAIL_PORT", 25)
        self.MAIL_USERNAME = _env("MAIL_USERNAME")
        self.MAIL_PASSWORD = _env("MAIL_PASSWORD")
        self.MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
        self.MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
        self.MAIL_SENDER = _env("MAIL_SENDER", "Jisr <no-reply@jisr.localhost>")

        self.COUNTRY = _env("COUNTRY", "MA")
        self.LANGUAGES = (_env("LANGUAGES", "ar,fr") or "ar,fr").split(",")
        self.BABEL_DEFAULT_LOCALE = self.LANGUAGES[0]
        self.BABEL_DEFAULT_TIMEZONE = _env("TIMEZONE", "Africa/Casablanca")
        self.BABEL_TRANSLATION_DIRECTORIES = str(Path(__file__).resolve().parent.parent / "translations")

        self.RESET_CODE_MINUTES = _int("RESET_CODE_MINUTES", 30)
        # A claim code goes to someone who may not check her phone at once: it lives for days.
        self.CLAIM_CODE_DAYS = _int("CLAIM_CODE_DAYS", 7)
        # Closed files are anonymised this long after their last change (`flask apply-retention`, from cron).
        self.RETENTION_DAYS = _int("RETENTION_DAYS", 5 * 365)
        # Served over HTTPS (on by default in production): cookies go over HTTPS only, browsers are told to
        # come back over HTTPS only (HSTS), and links in messages sent outside a request (cron) start with
        # https://. Off only for a pilot on a local network without TLS.
        self.HTTPS = _bool("HTTPS", production)
        self.PREFERRED_URL_SCHEME = "https" if self.HTTPS else "http"
        self.HSTS_SECONDS = 365 * 24 * 3600
        # Cookies no script can read, not sent along by other sites' forms or frames.
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = self.HTTPS
        self.REMEMBER_COOKIE_SECURE = self.HTTPS
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        # "Remember me" on a phone shared in the family lasts a month, not Flask-Login's year.
        self.REMEMBER_COOKIE_DURATION = timedelta(days=30)
        # Sign-in for one phone number or e-mail address pauses after this many failures within
        # LOCKOUT_MINUTES, for LOCKOUT_MINUTES; choosing a new password with a code ends the pause.
        self.LOCKOUT_ATTEMPTS = _int("LOCKOUT_ATTEMPTS", 10)
        self.LOCKOUT_MINUTES = _int("LOCKOUT_MINUTES", 15)
        self.WTF_CSRF_TIME_LIMIT = None  # a form left open for a long visit must still submit
        self.SEND_FILE_MAX_AGE_DEFAULT = 365 * 24 * 3600


def engine_options(database_url: str) -> dict:
    if database_url.startswith("sqlite"):
        # Concurrent writers wait for the lock instead of failing at once.
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True}
