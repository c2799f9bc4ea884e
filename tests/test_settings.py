"""Settings: defaults, parsing, one clear line for a bad value.

Each table below is what a person setting up the bot would type (the environment
variable and its value) and what they get: the value the bot runs with, or the exact
line that stops start-up."""

from __future__ import annotations

import os
from ipaddress import ip_network
from pathlib import Path
from typing import Any

import pytest

from bot.settings import SettingError, Settings, load_settings
from handlers.serve import check_channels
from handlers.telegram import TelegramSettings, telegram_settings

# the booklet folder shipped with the project: policies/ next to tests/
SHIPPED_POLICIES = Path(__file__).resolve().parent.parent / "policies"


def start_up(env: dict[str, str]) -> None:
    """What `policybot serve` checks before it starts: the core's settings, then each
    channel's own."""
    load_settings(env)
    check_channels(env)


def refusal(env: dict[str, str]) -> str:
    """The one line that stops start-up."""
    with pytest.raises(SettingError) as caught:
        start_up(env)
    return str(caught.value)


def test_nothing_set_gives_the_defaults() -> None:
    assert load_settings({}) == Settings(
        policies=SHIPPED_POLICIES,
        db=Path("policybot.sqlite3"),
        host="127.0.0.1",
        port=8080,
        admin_token=None,
        retention_days=90,
        rate_limit=20,
        ip_rate_limit=100,
        trusted_proxies=(),
        global_rate_limit=0,
        secret=None,
        alert_webhook=None,
    )
    assert telegram_settings({}) is None, "no token: no Telegram channel"
    assert telegram_settings({"TELEGRAM_BOT_TOKEN": "123:abc"}) == TelegramSettings(
        token="123:abc",
        base_url="https://api.telegram.org/bot",
        webhook_url=None,
        webhook_secret=None,
        cadres=frozenset(),
    )


@pytest.mark.parametrize(
    ("variable", "typed", "field", "value"),
    [
        # set but empty: the default
        ("POLICYBOT_PORT", "", "port", 8080),
        ("POLICYBOT_DB", "", "db", Path("policybot.sqlite3")),
        ("POLICYBOT_HOST", "", "host", "127.0.0.1"),
        # the HTTP bind
        ("POLICYBOT_HOST", "  0.0.0.0  ", "host", "0.0.0.0"),
        ("POLICYBOT_PORT", "1", "port", 1),
        ("POLICYBOT_PORT", "9000", "port", 9000),
        ("POLICYBOT_PORT", "65535", "port", 65535),
        # tokens and keys: at least 16 characters once the spaces around are dropped
        ("POLICYBOT_ADMIN_TOKEN", "0123456789abcdef", "admin_token", "0123456789abcdef"),
        ("POLICYBOT_ADMIN_TOKEN", "  0123456789abcdef  ", "admin_token", "0123456789abcdef"),
        ("POLICYBOT_SECRET", "  sixteen-chars-secret  ", "secret", "sixteen-chars-secret"),
        ("POLICYBOT_SECRET", "0123456789abcdef", "secret", "0123456789abcdef"),
        # how long questions are kept
        ("POLICYBOT_RETENTION_DAYS", "1", "retention_days", 1),
        ("POLICYBOT_RETENTION_DAYS", "30", "retention_days", 30),
        ("POLICYBOT_RETENTION_DAYS", "3650", "retention_days", 3650),
        # questions a minute for one person
        ("POLICYBOT_RATE_LIMIT", "1", "rate_limit", 1),
        ("POLICYBOT_RATE_LIMIT", "5", "rate_limit", 5),
        ("POLICYBOT_RATE_LIMIT", "10000", "rate_limit", 10000),
        # per client address and for the whole service: 0 turns them off
        ("POLICYBOT_IP_RATE_LIMIT", "0", "ip_rate_limit", 0),
        ("POLICYBOT_IP_RATE_LIMIT", "100000", "ip_rate_limit", 100000),
        ("POLICYBOT_GLOBAL_RATE_LIMIT", "50", "global_rate_limit", 50),
        ("POLICYBOT_GLOBAL_RATE_LIMIT", "100000", "global_rate_limit", 100000),
        # proxies: addresses or networks, by commas, semicolons or spaces
        (
            "POLICYBOT_TRUSTED_PROXIES",
            "10.0.0.1; 172.16.0.0/12 ::1",
            "trusted_proxies",
            (ip_network("10.0.0.1/32"), ip_network("172.16.0.0/12"), ip_network("::1/128")),
        ),
        (
            "POLICYBOT_TRUSTED_PROXIES",
            "10.0.0.1 10.0.0.2,,",
            "trusted_proxies",
            (ip_network("10.0.0.1/32"), ip_network("10.0.0.2/32")),
        ),
        # an address with a network length: the network it is in
        ("POLICYBOT_TRUSTED_PROXIES", "10.1.2.3/8", "trusted_proxies", (ip_network("10.0.0.0/8"),)),
        # where urgent questions are posted
        (
            "POLICYBOT_ALERT_WEBHOOK",
            "https://example.org/alerts",
            "alert_webhook",
            "https://example.org/alerts",
        ),
        (
            "POLICYBOT_ALERT_WEBHOOK",
            "  http://10.0.0.5:8000/hook  ",
            "alert_webhook",
            "http://10.0.0.5:8000/hook",
        ),
    ],
)
def test_what_is_typed_is_what_the_bot_runs_with(
    variable: str, typed: str, field: str, value: Any
) -> None:
    assert getattr(load_settings({variable: typed}), field) == value


def test_the_booklet_folder(tmp_path: Path) -> None:
    assert load_settings({"POLICYBOT_POLICIES": str(tmp_path)}).policies == tmp_path


def test_without_a_table_the_process_environment_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("POLICYBOT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("POLICYBOT_PORT", "9001")
    monkeypatch.setenv("POLICYBOT_RETENTION_DAYS", "7")
    settings = load_settings()
    assert (settings.port, settings.retention_days, settings.host) == (9001, 7, "127.0.0.1")


@pytest.mark.parametrize(
    ("env", "line"),
    [
        # the HTTP bind
        (
            {"POLICYBOT_HOST": "   "},
            "POLICYBOT_HOST='   ': must not be empty (HTTP bind address)",
        ),
        (
            {"POLICYBOT_PORT": "0"},
            "POLICYBOT_PORT='0': must be a port number between 1 and 65535 (HTTP port)",
        ),
        (
            {"POLICYBOT_PORT": "65536"},
            "POLICYBOT_PORT='65536': must be a port number between 1 and 65535 (HTTP port)",
        ),
        (
            {"POLICYBOT_PORT": "99999"},
            "POLICYBOT_PORT='99999': must be a port number between 1 and 65535 (HTTP port)",
        ),
        (
            {"POLICYBOT_PORT": "http"},
            "POLICYBOT_PORT='http': must be a port number between 1 and 65535 (HTTP port)",
        ),
        (
            {"POLICYBOT_PORT": "80.5"},
            "POLICYBOT_PORT='80.5': must be a port number between 1 and 65535 (HTTP port)",
        ),
        # the booklet folder
        (
            {"POLICYBOT_POLICIES": "/no/such/folder"},
            "POLICYBOT_POLICIES='/no/such/folder': folder /no/such/folder does not exist"
            " (the booklet folder)",
        ),
        (
            {"POLICYBOT_POLICIES": "~nosuchuser/policies"},
            "POLICYBOT_POLICIES='~nosuchuser/policies': cannot find the home folder in"
            " ~nosuchuser/policies (the booklet folder)",
        ),
        # the admin token: too short to be safe, even with spaces around it
        (
            {"POLICYBOT_ADMIN_TOKEN": "x"},
            "POLICYBOT_ADMIN_TOKEN='x': use at least 16 characters"
            " (bearer token for /api/admin/... (unset: the admin API is off))",
        ),
        (
            {"POLICYBOT_ADMIN_TOKEN": "0123456789abcde"},
            "POLICYBOT_ADMIN_TOKEN='0123456789abcde': use at least 16 characters"
            " (bearer token for /api/admin/... (unset: the admin API is off))",
        ),
        (
            {"POLICYBOT_ADMIN_TOKEN": "  0123456789abcde  "},
            "POLICYBOT_ADMIN_TOKEN='  0123456789abcde  ': use at least 16 characters"
            " (bearer token for /api/admin/... (unset: the admin API is off))",
        ),
        (
            {"POLICYBOT_SECRET": "short"},
            "POLICYBOT_SECRET='short': use at least 16 characters"
            " (key for session hashes and web cookies"
            " (unset: made once and kept in the database))",
        ),
        # how long questions are kept
        (
            {"POLICYBOT_RETENTION_DAYS": "0"},
            "POLICYBOT_RETENTION_DAYS='0': must be a number of days between 1 and 3650"
            " (stored questions older than this many days are deleted)",
        ),
        (
            {"POLICYBOT_RETENTION_DAYS": "3651"},
            "POLICYBOT_RETENTION_DAYS='3651': must be a number of days between 1 and 3650"
            " (stored questions older than this many days are deleted)",
        ),
        (
            {"POLICYBOT_RETENTION_DAYS": "a month"},
            "POLICYBOT_RETENTION_DAYS='a month': must be a number of days between 1 and 3650"
            " (stored questions older than this many days are deleted)",
        ),
        # rate limits
        (
            {"POLICYBOT_RATE_LIMIT": "0"},
            "POLICYBOT_RATE_LIMIT='0': must be a number of questions between 1 and 10000"
            " (questions a minute one person may ask before being asked to wait)",
        ),
        (
            {"POLICYBOT_RATE_LIMIT": "10001"},
            "POLICYBOT_RATE_LIMIT='10001': must be a number of questions between 1 and 10000"
            " (questions a minute one person may ask before being asked to wait)",
        ),
        (
            {"POLICYBOT_RATE_LIMIT": "ten"},
            "POLICYBOT_RATE_LIMIT='ten': must be a number of questions between 1 and 10000"
            " (questions a minute one person may ask before being asked to wait)",
        ),
        (
            {"POLICYBOT_IP_RATE_LIMIT": "-1"},
            "POLICYBOT_IP_RATE_LIMIT='-1': must be a number between 0 (off) and 100000"
            " (questions and feedback a minute from one client address; 0 turns it off)",
        ),
        (
            {"POLICYBOT_IP_RATE_LIMIT": "100001"},
            "POLICYBOT_IP_RATE_LIMIT='100001': must be a number between 0 (off) and 100000"
            " (questions and feedback a minute from one client address; 0 turns it off)",
        ),
        (
            {"POLICYBOT_IP_RATE_LIMIT": "many"},
            "POLICYBOT_IP_RATE_LIMIT='many': must be a number between 0 (off) and 100000"
            " (questions and feedback a minute from one client address; 0 turns it off)",
        ),
        (
            {"POLICYBOT_GLOBAL_RATE_LIMIT": "100001"},
            "POLICYBOT_GLOBAL_RATE_LIMIT='100001': must be a number between 0 (off) and 100000"
            " (questions a second for the whole service; 0 turns it off)",
        ),
        (
            {"POLICYBOT_TRUSTED_PROXIES": "10.0.0.1, nginx"},
            "POLICYBOT_TRUSTED_PROXIES='10.0.0.1, nginx': must be IP addresses or networks"
            " (such as 10.0.0.1 or 10.0.0.0/8), separated by commas"
            " (addresses whose X-Forwarded-For is believed)",
        ),
        # where urgent questions are posted
        (
            {"POLICYBOT_ALERT_WEBHOOK": "example.org/alerts"},
            "POLICYBOT_ALERT_WEBHOOK='example.org/alerts': must start with http:// or https://"
            " (http(s) URL that urgent questions are posted to as JSON (unset: none are posted))",
        ),
        (
            {"POLICYBOT_ALERT_WEBHOOK": "https:///alerts"},
            "POLICYBOT_ALERT_WEBHOOK='https:///alerts':"
            " must be a URL such as https://example.org/alerts"
            " (http(s) URL that urgent questions are posted to as JSON (unset: none are posted))",
        ),
        (
            {"POLICYBOT_ALERT_WEBHOOK": "https://example.org/urgent alerts"},
            "POLICYBOT_ALERT_WEBHOOK='https://example.org/urgent alerts':"
            " must be a URL such as https://example.org/alerts"
            " (http(s) URL that urgent questions are posted to as JSON (unset: none are posted))",
        ),
        # the Telegram channel's own settings
        (
            {"POLICYBOT_CADRES": "alice"},
            "POLICYBOT_CADRES='alice': must be Telegram user ids (numbers) separated by commas"
            " (Telegram user ids allowed cadre commands (and told of urgent questions))",
        ),
        (
            {"TELEGRAM_API_BASE_URL": "ftp://x"},
            "TELEGRAM_API_BASE_URL='ftp://x': must start with http:// or https://"
            " (Bot API base, for a self-hosted Bot API server)",
        ),
        (
            {"TELEGRAM_WEBHOOK_URL": "https://example.org/hook"},
            "TELEGRAM_WEBHOOK_SECRET: required when TELEGRAM_WEBHOOK_URL is set"
            " (the secret Telegram must send back)",
        ),
        (
            {"TELEGRAM_WEBHOOK_URL": "http://example.org/hook"},
            "TELEGRAM_WEBHOOK_URL='http://example.org/hook':"
            " Telegram sends webhooks to https:// URLs only"
            " (public URL (forwarded to /telegram/webhook): webhook mode instead of polling)",
        ),
        (
            {"TELEGRAM_WEBHOOK_SECRET": "has spaces!"},
            "TELEGRAM_WEBHOOK_SECRET='has spaces!': use 16-256 characters:"
            " A-Z, a-z, 0-9, _ and - (Telegram accepts no others;"
            " a shorter secret can be guessed)"
            " (the secret Telegram must send back (required with the URL))",
        ),
        (
            {"TELEGRAM_WEBHOOK_SECRET": "short_secret"},
            "TELEGRAM_WEBHOOK_SECRET='short_secret': use 16-256 characters:"
            " A-Z, a-z, 0-9, _ and - (Telegram accepts no others;"
            " a shorter secret can be guessed)"
            " (the secret Telegram must send back (required with the URL))",
        ),
        (
            {"TELEGRAM_WEBHOOK_SECRET": "a" * 257},
            f"TELEGRAM_WEBHOOK_SECRET='{'a' * 257}': use 16-256 characters:"
            " A-Z, a-z, 0-9, _ and - (Telegram accepts no others;"
            " a shorter secret can be guessed)"
            " (the secret Telegram must send back (required with the URL))",
        ),
        # a secret read from a file often keeps the file's last line break
        (
            {"TELEGRAM_WEBHOOK_SECRET": "0123456789abcdef\n"},
            "TELEGRAM_WEBHOOK_SECRET='0123456789abcdef\\n': use 16-256 characters:"
            " A-Z, a-z, 0-9, _ and - (Telegram accepts no others;"
            " a shorter secret can be guessed)"
            " (the secret Telegram must send back (required with the URL))",
        ),
    ],
)
def test_a_bad_value_stops_start_up_with_one_line_naming_it(env: dict[str, str], line: str) -> None:
    assert refusal(env) == line


@pytest.mark.parametrize(
    ("env", "field", "value"),
    [
        ({"TELEGRAM_BOT_TOKEN": " 123:abc "}, "token", "123:abc"),
        (
            {"TELEGRAM_BOT_TOKEN": "123:abc", "TELEGRAM_API_BASE_URL": "http://localhost:8081/bot"},
            "base_url",
            "http://localhost:8081/bot",
        ),
        (
            {
                "TELEGRAM_BOT_TOKEN": "123:abc",
                "TELEGRAM_WEBHOOK_URL": "https://example.org/hook",
                "TELEGRAM_WEBHOOK_SECRET": "0123456789abcdef",
            },
            "webhook_url",
            "https://example.org/hook",
        ),
        (
            {"TELEGRAM_BOT_TOKEN": "123:abc", "TELEGRAM_WEBHOOK_SECRET": "Az09_-Az09_-Az09"},
            "webhook_secret",
            "Az09_-Az09_-Az09",
        ),
        (
            {"TELEGRAM_BOT_TOKEN": "123:abc", "TELEGRAM_WEBHOOK_SECRET": "b" * 256},
            "webhook_secret",
            "b" * 256,
        ),
        (
            {"TELEGRAM_BOT_TOKEN": "123:abc", "POLICYBOT_CADRES": "12, 34;56"},
            "cadres",
            {12, 34, 56},
        ),
        ({"TELEGRAM_BOT_TOKEN": "123:abc", "POLICYBOT_CADRES": "12 34"}, "cadres", {12, 34}),
    ],
)
def test_the_telegram_channel_runs_with_what_is_typed(
    env: dict[str, str], field: str, value: Any
) -> None:
    start_up(env)
    telegram = telegram_settings(env)
    assert telegram is not None
    assert getattr(telegram, field) == value


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("data/bot.sqlite3", Path("data/bot.sqlite3")),
        ("  data/bot.sqlite3  ", Path("data/bot.sqlite3")),
        (":memory:", ":memory:"),
        (
            "postgresql://bot:pw@db.example:5432/policybot",
            "postgresql://bot:pw@db.example:5432/policybot",
        ),
        ("postgres://db/policybot", "postgres://db/policybot"),
        (
            "postgresql:///policybot?host=/run/postgresql",
            "postgresql:///policybot?host=/run/postgresql",
        ),
        # a one-letter database name
        ("postgresql://db/X", "postgresql://db/X"),
    ],
)
def test_the_store_is_a_file_or_a_postgresql_url(given: str, kept: Path | str) -> None:
    assert load_settings({"POLICYBOT_DB": given}).db == kept


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        (
            "mysql://db/policybot",
            "a URL must start with postgresql:// (or give a SQLite file path)",
        ),
        ("sqlite://bot.db", "a URL must start with postgresql:// (or give a SQLite file path)"),
        ("postgresql://db:port/policybot", "the port must be a number between 1 and 65535"),
        ("postgresql://db:99999/policybot", "the port must be a number between 1 and 65535"),
        ("~nosuchuser/bot.db", "cannot find the home folder in ~nosuchuser/bot.db"),
        ("postgresql://db:5432", "must be like postgresql://user:password@host:5432/database"),
        ("postgresql://db/", "must be like postgresql://user:password@host:5432/database"),
        ("postgresql:///policybot", "must be like postgresql://user:password@host:5432/database"),
    ],
)
def test_a_bad_store_address_stops_start_up_naming_it(given: str, problem: str) -> None:
    assert refusal({"POLICYBOT_DB": given}) == (
        f"POLICYBOT_DB='{given}': {problem}"
        " (a SQLite file, or postgresql://user@host:port/db for several replicas)"
    )
