"""Settings: defaults, parsing, one clear line for a bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import DEFAULT_POLICIES, SettingError, load_settings
from handlers.serve import check_channels
from handlers.telegram import telegram_settings


def start_up(env: dict[str, str]) -> None:
    """What `policybot serve` checks before it starts: the core's settings, then each
    channel's own."""
    load_settings(env)
    check_channels(env)


def test_defaults() -> None:
    s = load_settings({})
    assert (s.host, s.port) == ("127.0.0.1", 8080)
    assert s.policies == DEFAULT_POLICIES
    assert telegram_settings({}) is None, "no token: no Telegram channel"
    t = telegram_settings({"TELEGRAM_BOT_TOKEN": "123:abc"})
    assert t is not None and t.base_url == "https://api.telegram.org/bot"
    assert t.cadres == frozenset() and t.webhook_url is None


def test_values(tmp_path: Path) -> None:
    s = load_settings(
        {
            "POLICYBOT_PORT": "9000",
            "POLICYBOT_POLICIES": str(tmp_path),
        }
    )
    assert s.port == 9000 and s.policies == tmp_path
    t = telegram_settings({"TELEGRAM_BOT_TOKEN": "123:abc", "POLICYBOT_CADRES": "12, 34;56"})
    assert t is not None and t.token == "123:abc" and t.cadres == {12, 34, 56}


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"POLICYBOT_PORT": "99999"}, "POLICYBOT_PORT"),
        ({"POLICYBOT_PORT": "http"}, "POLICYBOT_PORT"),
        ({"POLICYBOT_CADRES": "alice"}, "POLICYBOT_CADRES"),
        ({"POLICYBOT_POLICIES": "/no/such/folder"}, "POLICYBOT_POLICIES"),
        ({"TELEGRAM_API_BASE_URL": "ftp://x"}, "TELEGRAM_API_BASE_URL"),
        ({"TELEGRAM_WEBHOOK_URL": "https://example.org/hook"}, "TELEGRAM_WEBHOOK_SECRET"),
        ({"TELEGRAM_WEBHOOK_URL": "http://example.org/hook"}, "TELEGRAM_WEBHOOK_URL"),
        ({"TELEGRAM_WEBHOOK_SECRET": "has spaces!"}, "TELEGRAM_WEBHOOK_SECRET"),
        ({"TELEGRAM_WEBHOOK_SECRET": "short_secret"}, "TELEGRAM_WEBHOOK_SECRET"),
        ({"POLICYBOT_IP_RATE_LIMIT": "-1"}, "POLICYBOT_IP_RATE_LIMIT"),
        ({"POLICYBOT_IP_RATE_LIMIT": "many"}, "POLICYBOT_IP_RATE_LIMIT"),
        ({"POLICYBOT_GLOBAL_RATE_LIMIT": "100001"}, "POLICYBOT_GLOBAL_RATE_LIMIT"),
        ({"POLICYBOT_TRUSTED_PROXIES": "10.0.0.1, nginx"}, "POLICYBOT_TRUSTED_PROXIES"),
        ({"POLICYBOT_SECRET": "short"}, "POLICYBOT_SECRET"),
        ({"POLICYBOT_RATE_LIMIT": "0"}, "POLICYBOT_RATE_LIMIT"),
    ],
)
def test_bad_value_names_the_setting(env: dict[str, str], name: str) -> None:
    with pytest.raises(SettingError) as caught:
        start_up(env)
    message = str(caught.value)
    assert message.startswith(name) and "\n" not in message


def test_limits_and_proxies() -> None:
    from ipaddress import ip_network

    s = load_settings({})
    assert (s.rate_limit, s.ip_rate_limit, s.global_rate_limit) == (20, 100, 0)
    assert s.trusted_proxies == () and s.secret is None
    s = load_settings({
        "POLICYBOT_IP_RATE_LIMIT": "0", "POLICYBOT_GLOBAL_RATE_LIMIT": "50",
        "POLICYBOT_TRUSTED_PROXIES": "10.0.0.1; 172.16.0.0/12 ::1",
        "POLICYBOT_SECRET": "  sixteen-chars-secret  ",
    })  # fmt: skip
    assert (s.ip_rate_limit, s.global_rate_limit) == (0, 50)
    assert s.trusted_proxies == (
        ip_network("10.0.0.1/32"),
        ip_network("172.16.0.0/12"),
        ip_network("::1/128"),
    )
    assert s.secret == "sixteen-chars-secret"


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("data/bot.sqlite3", Path("data/bot.sqlite3")),
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
    ],
)
def test_the_store_is_a_file_or_a_postgresql_url(given: str, kept: Path | str) -> None:
    assert load_settings({"POLICYBOT_DB": given}).db == kept


@pytest.mark.parametrize(
    "given",
    ["mysql://db/policybot", "postgresql://db:port/policybot", "postgresql://db:5432",
     "postgresql:///policybot", "sqlite://bot.db"],
)  # fmt: skip
def test_a_bad_store_address_stops_start_up_naming_it(given: str) -> None:
    with pytest.raises(SettingError, match="POLICYBOT_DB"):
        load_settings({"POLICYBOT_DB": given})
