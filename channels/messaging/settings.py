"""Channel settings: environment variables only, read by pydantic.

Each channel declares a `ChannelSettings` subclass whose fields name their
variables (`env=`); secrets are `SecretStr`, so they never show in a repr or a
log. Blank values count as unset. `load_settings` returns None, and the channel
stays off (webhook 404, no platform API calls), when a required variable is
missing or a value is refused; the log names the variables, never their values.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from typing import Any, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseSettings, Field, SecretStr, ValidationError, root_validator, validator

logger = logging.getLogger(__name__)

PUBLIC_BASE_URL_ENV = "PUBLIC_BASE_URL"
REDIS_URL_ENV = "CHANNELS_REDIS_URL"
REDIS_PREFIX_ENV = "CHANNELS_REDIS_PREFIX"
DEFAULT_REDIS_PREFIX = "igrt:channels:"


def api_url_allowed(url: str) -> bool:
    """HTTPS, or plain HTTP to this machine only (the tests' stand-ins)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.scheme == "https" and parts.hostname:
        return True
    return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")


def public_base_url_allowed(url: str) -> bool:
    """An https:// address (http:// to this machine only), path but no query."""
    return api_url_allowed(url) and bool(re.fullmatch(r"https?://[^/?#\s]+(/[^?#\s]*)?", url))


def checked_api_url(value: str) -> str:
    """A validator's check of a platform API address."""
    value = value.rstrip("/")
    if not api_url_allowed(value):
        raise ValueError("must be an https:// URL")
    return value


class ChannelSettings(BaseSettings):
    """What every channel reads besides its own variables."""

    public_base_url: str = Field("", env=PUBLIC_BASE_URL_ENV)
    # Shared state of replicas (deliveries already answered); memory if unset.
    redis_url: SecretStr | None = Field(None, env=REDIS_URL_ENV)
    redis_prefix: str = Field(DEFAULT_REDIS_PREFIX, env=REDIS_PREFIX_ENV)

    class Config:
        case_sensitive = True

    @root_validator(pre=True)
    def blank_is_unset(cls, values: dict[str, Any]) -> dict[str, Any]:
        stripped = {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}
        return {k: v for k, v in stripped.items() if v != ""}

    @validator("public_base_url")
    def public_base_url_checked(cls, value: str) -> str:
        value = value.rstrip("/")
        if value and not public_base_url_allowed(value):
            raise ValueError("must be an https:// URL without query")
        return value

    @validator("redis_prefix")
    def redis_prefix_checked(cls, value: str) -> str:
        if not re.fullmatch(r"[!-~]{1,64}", value):
            raise ValueError("must be 1-64 visible ASCII characters")
        return value

    @classmethod
    def env_name(cls, field: str) -> str:
        return str(cls.__fields__[field].field_info.extra.get("env", field.upper()))

    @classmethod
    def required_env(cls) -> list[str]:
        return [cls.env_name(name) for name, field in cls.__fields__.items() if field.required]


Settings = TypeVar("Settings", bound=ChannelSettings)


def load_settings(
    channel: str, settings_class: type[Settings], env: Mapping[str, str] | None = None
) -> Settings | None:
    """The channel's settings from the environment, or None (channel off)."""
    env = os.environ if env is None else env
    required = settings_class.required_env()
    given = {name for name in required if env.get(name, "").strip()}
    if required and not given:
        logger.info("%s channel not configured (set %s).", channel, ", ".join(required))
        return None
    try:
        return settings_class(_env_file=None, **_from(settings_class, env))
    except ValidationError as error:
        missing, refused = [], []
        for problem in error.errors():
            name = settings_class.env_name(str(problem["loc"][0]))
            if problem["type"] == "value_error.missing":
                missing.append(name)
            else:
                refused.append(f"{name} {problem['msg']}")
        if missing:
            logger.warning(
                "%s channel disabled: %s not set (docs/messaging.md).", channel, ", ".join(missing)
            )
        for reason in refused:
            logger.warning("%s channel disabled: %s.", channel, reason)
        return None


def _from(settings_class: type[ChannelSettings], env: Mapping[str, str]) -> dict[str, str]:
    """The class's variables found in env, by field name (so that a mapping
    other than os.environ can be read, as the tests do)."""
    values = {}
    for name in settings_class.__fields__:
        variable = settings_class.env_name(name)
        if variable in env:
            values[name] = env[variable]
    return values
