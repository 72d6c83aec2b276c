"""One clock for the whole app, so tests can reason about 'now' and 'today'."""

from datetime import UTC, date, datetime

from flask import current_app


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_today() -> date:
    """Today where the programme runs: eligibility dates are civil dates, not UTC ones."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "UTC"))
    return datetime.now(tz).date()


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every stored datetime is UTC, so say so."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value
