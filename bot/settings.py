"""Settings from environment variables: one table, validated at start-up.

These are the core's and the server's. Each channel declares its own table in its
module (`handlers/telegram.py`: TELEGRAM_*, POLICYBOT_CADRES; `handlers/wechat.py`:
WECHAT_*) with the same `Spec` and `read_specs`; `policybot serve` checks them all
before it starts."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POLICIES = PROJECT_ROOT / "policies"


class SettingError(ValueError):
    """A setting has a bad value; the message is one line that names it."""


def _text(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value.strip()


def _whole(value: str, low: int, high: int, what: str) -> int:
    """A whole number from `low` to `high`; anything else is told in `what`'s words."""
    try:
        number = int(value)
    except ValueError:  # not a number ("http", "1.5"): the same line as out of range
        raise ValueError(what) from None
    if not low <= number <= high:
        raise ValueError(what)
    return number


def _port(value: str) -> int:
    return _whole(value, 1, 65535, "must be a port number between 1 and 65535")


def _path(value: str) -> Path:
    try:
        return Path(value).expanduser()
    except RuntimeError:  # "~nosuchuser/…": no such home folder
        raise ValueError(f"cannot find the home folder in {value}") from None


def _folder(value: str) -> Path:
    path = _path(value)
    if not path.is_dir():
        raise ValueError(f"folder {path} does not exist")
    return path


def _url(value: str) -> str:
    value = value.strip()
    if not value.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return value


def _web_address(value: str) -> str:
    """An http(s) URL with a host, such as https://example.org/alerts."""
    value = _url(value)
    if not urlsplit(value).hostname or any(ch.isspace() for ch in value):
        raise ValueError("must be a URL such as https://example.org/alerts")
    return value


def _database(value: str) -> Path | str:
    """A SQLite file, `:memory:`, or a postgresql:// URL with a host and a database."""
    value = value.strip()
    if value == ":memory:":
        return value
    if "://" not in value:
        return _path(value)
    parts = urlsplit(value)
    if parts.scheme not in ("postgresql", "postgres"):
        raise ValueError("a URL must start with postgresql:// (or give a SQLite file path)")
    try:
        parts.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError:
        raise ValueError("the port must be a number between 1 and 65535") from None
    if not (parts.hostname or "host=" in parts.query) or not parts.path.strip("/"):
        raise ValueError("must be like postgresql://user:password@host:5432/database")
    return value


_SECRET = re.compile(r"^[A-Za-z0-9_-]{16,256}$")


def _secret(value: str) -> str:
    if not _SECRET.fullmatch(value):
        raise ValueError(
            "use 16-256 characters: A-Z, a-z, 0-9, _ and - (Telegram accepts no others; "
            "a shorter secret can be guessed)"
        )
    return value


def _https(value: str) -> str:
    value = _url(value)
    if not value.startswith("https://"):
        raise ValueError("Telegram sends webhooks to https:// URLs only")
    return value


def _secret_text(value: str) -> str:
    if len(value.strip()) < 16:
        raise ValueError("use at least 16 characters")
    return value.strip()


def _days(value: str) -> int:
    return _whole(value, 1, 3650, "must be a number of days between 1 and 3650")


def _per_minute(value: str) -> int:
    return _whole(value, 1, 10_000, "must be a number of questions between 1 and 10000")


def _per_minute_or_off(value: str) -> int:
    return _whole(value, 0, 100_000, "must be a number between 0 (off) and 100000")


def _networks(value: str) -> tuple[IPv4Network | IPv6Network, ...]:
    parts = [p for p in value.replace(";", ",").replace(" ", ",").split(",") if p]
    try:
        return tuple(ip_network(p, strict=False) for p in parts)
    except ValueError:
        raise ValueError(
            "must be IP addresses or networks (such as 10.0.0.1 or 10.0.0.0/8), separated by commas"
        ) from None


def _user_ids(value: str) -> frozenset[int]:
    parts = [p for p in value.replace(";", ",").replace(" ", ",").split(",") if p]
    try:
        return frozenset(int(p) for p in parts)
    except ValueError:
        raise ValueError("must be Telegram user ids (numbers) separated by commas") from None


@dataclass(frozen=True)
class Spec:
    """One setting: its variable, default, meaning and parser."""

    env: str
    field: str
    default: Any
    help: str
    parse: Callable[[str], Any]


SPECS: tuple[Spec, ...] = (
    Spec("POLICYBOT_POLICIES", "policies", DEFAULT_POLICIES, "the booklet folder", _folder),
    Spec(
        "POLICYBOT_DB",
        "db",
        Path("policybot.sqlite3"),
        "a SQLite file, or postgresql://user@host:port/db for several replicas",
        _database,
    ),
    Spec("POLICYBOT_HOST", "host", "127.0.0.1", "HTTP bind address", _text),
    Spec("POLICYBOT_PORT", "port", 8080, "HTTP port", _port),
    Spec(
        "POLICYBOT_ADMIN_TOKEN",
        "admin_token",
        None,
        "bearer token for /api/admin/... (unset: the admin API is off)",
        _secret_text,
    ),
    Spec(
        "POLICYBOT_RETENTION_DAYS",
        "retention_days",
        90,
        "stored questions older than this many days are deleted",
        _days,
    ),
    Spec(
        "POLICYBOT_RATE_LIMIT",
        "rate_limit",
        20,
        "questions a minute one person may ask before being asked to wait",
        _per_minute,
    ),
    Spec(
        "POLICYBOT_IP_RATE_LIMIT",
        "ip_rate_limit",
        100,
        "questions and feedback a minute from one client address; 0 turns it off",
        _per_minute_or_off,
    ),
    Spec(
        "POLICYBOT_TRUSTED_PROXIES",
        "trusted_proxies",
        (),
        "addresses whose X-Forwarded-For is believed",
        _networks,
    ),
    Spec(
        "POLICYBOT_GLOBAL_RATE_LIMIT",
        "global_rate_limit",
        0,
        "questions a second for the whole service; 0 turns it off",
        _per_minute_or_off,
    ),
    Spec(
        "POLICYBOT_SECRET",
        "secret",
        None,
        "key for session hashes and web cookies (unset: made once and kept in the database)",
        _secret_text,
    ),
    Spec(
        "POLICYBOT_ALERT_WEBHOOK",
        "alert_webhook",
        None,
        "http(s) URL that urgent questions are posted to as JSON (unset: none are posted)",
        _web_address,
    ),
)


@dataclass(frozen=True)
class Settings:
    """The validated settings of one run."""

    policies: Path
    db: Path | str  # a SQLite file; a postgresql:// URL or :memory: as text
    host: str
    port: int
    admin_token: str | None
    retention_days: int
    rate_limit: int
    ip_rate_limit: int
    trusted_proxies: tuple[IPv4Network | IPv6Network, ...]
    global_rate_limit: int
    secret: str | None
    alert_webhook: str | None


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read every setting; raise SettingError naming the first bad one."""
    return Settings(**read_specs(SPECS, os.environ if environ is None else environ))


def read_specs(specs: tuple[Spec, ...], environ: Mapping[str, str]) -> dict[str, Any]:
    """The values of a table of settings (a channel's own, say); SettingError names the
    first bad one."""
    values: dict[str, Any] = {}
    for spec in specs:
        raw = environ.get(spec.env)
        if raw is None or raw == "":
            values[spec.field] = spec.default
            continue
        try:
            values[spec.field] = spec.parse(raw)
        except ValueError as exc:
            raise SettingError(f"{spec.env}={raw!r}: {exc} ({spec.help})") from None
    return values
