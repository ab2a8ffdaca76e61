"""Settings, read once from environment variables. Every setting is documented in the README.

Secrets are wrapped so that printing the settings (or a traceback) never shows them.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers

ROOT = Path(__file__).resolve().parent.parent


class ConfigError(Exception):
    pass


class Secret:
    """A value that never shows itself in a repr, a log line or an error page."""

    def __init__(self, value: str):
        self._value = value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)


# name -> (default, one line for the README's table)
SETTINGS: dict[str, tuple[str, str]] = {
    "HOTLINE_ENV": (
        "production",
        "`development` serves webhooks without a Twilio token and opens the browser phone "
        "to everyone; anything else is production.",
    ),
    "TWILIO_AUTH_TOKEN": (
        "",
        "Verifies `X-Twilio-Signature` on every webhook. Required in production.",
    ),
    "TWILIO_ACCOUNT_SID": (
        "",
        "The account (`AC…`) that sends callers the numbers by text message (Messages API, "
        "authenticated with `TWILIO_AUTH_TOKEN`), and whose staff takes recorded by phone "
        "(/voice/staff) are fetched and then deleted. Empty: no text is offered and no phone "
        "take can be kept (in development both go to the simulators' fakes).",
    ),
    "TWILIO_SMS_FROM": (
        "",
        "The number texts are sent from (E.164). For Mexican mobiles Twilio advises a U.S. or "
        "Canadian long code. Not needed with `TWILIO_MESSAGING_SERVICE_SID`.",
    ),
    "TWILIO_MESSAGING_SERVICE_SID": (
        "",
        "A Messaging Service (`MG…`) that sends the texts; used instead of `TWILIO_SMS_FROM`.",
    ),
    "SMS_PEPPER": (
        "",
        "Secret key for the 3-texts-a-day limit (a keyed hash of the caller's number, kept one "
        "day). Required for texts: without it none is offered. Generate with "
        "`python -c 'import secrets; print(secrets.token_hex(32))'`.",
    ),
    "TWILIO_API_BASE": (
        "",
        "Tests and development only: a base URL standing in for `https://api.twilio.com`.",
    ),
    "PUBLIC_BASE_URL": (
        "",
        "The public `https://host` Twilio calls, when a proxy rewrites the host or scheme.",
    ),
    "TRUSTED_PROXIES": (
        "0",
        "How many reverse proxies set `X-Forwarded-Proto`/`X-Forwarded-Host` (0 = trust none).",
    ),
    "CONTENT_DIR": ("prompts", "The content pack folder (flow, directory, languages, texts)."),
    "AUDIO_DIR": ("audio", "Telephony audio files and `manifest.json`."),
    "DATABASE_URL": (
        "",
        "PostgreSQL for everything staff make (`postgres://user:pass@host/db`), shared by "
        "every web machine; empty = an embedded SQLite file in `DATA_DIR`.",
    ),
    "DATA_DIR": (
        "instance",
        "The embedded SQLite database (without `DATABASE_URL`) and local caches; with "
        "`DATABASE_URL` only a cache (relative to the repository unless absolute).",
    ),
    "STAFF_IDLE_MINUTES": (
        "60",
        "A staff console session ends after this many minutes without a request.",
    ),
    "SECRET_KEY": ("", "Signs staff console sessions. Required in production for the console."),
    "LOG_SALT": (
        "",
        "Salt for the hashed call ids in logs. Unset: derived from `SECRET_KEY` (else from "
        "`TWILIO_AUTH_TOKEN`), so one call has one tag on every worker and machine.",
    ),
    "FACTS_MAX_AGE_DAYS": (
        "180",
        "Days after a section's `checked` date when callers also hear that things may have "
        "changed and to confirm with an organization.",
    ),
    "HOTLINE_TIMEZONE": (
        "America/Tijuana",
        "Time zone the staff console shows dates in (an IANA name, e.g. `America/Tijuana`).",
    ),
    "TTS_ENGINE": (
        "espeak",
        "Engine for audio builds from the console: `espeak`, `google` (Neural2 voices) or "
        "`gemini` (Google's Gemini-TTS models: languages.yaml `tts.gemini`; a language "
        "without one uses its `tts_fallback`).",
    ),
    "GOOGLE_APPLICATION_CREDENTIALS": (
        "",
        "Service-account JSON for Google Cloud TTS builds (`google` and `gemini`).",
    ),
    "HOTLINE_NUMBER": (
        "",
        "The line's number (E.164) that missed-call callbacks come from; empty: the number the "
        "caller dialed (the missed call's `To`).",
    ),
    "CALLBACK_DELAY_SECONDS": (
        "20",
        "Seconds after a missed call before the line calls back (the caller has hung up).",
    ),
    "CALLBACK_RETRY_SECONDS": (
        "180",
        "Seconds before the one retry of a callback that was busy, not answered, failed or "
        "reached voicemail; after it the callback is given up.",
    ),
    "CALLBACK_PER_NUMBER_DAY": (
        "3",
        "At most this many callbacks per caller per day (the console can change it); more "
        "missed calls are still rejected, free, and nothing is queued.",
    ),
    "CALLBACK_PER_HOUR": (
        "60",
        "At most this many callbacks queued per hour for the whole line (the console can "
        "change it), so a flood of missed calls cannot run up the bill.",
    ),
    "CALLBACK_COUNTRIES": (
        "MX,US",
        "Only callers with a valid number of these countries (ISO codes) are called back.",
    ),
    "DESTINATION_CHECK_HOURS": (
        "24",
        "The worker test-calls each transfer number (during its opening hours) when its last "
        "check is older than this many hours; 0 = only from the console or the command.",
    ),
    "PORT": ("5000", "Port gunicorn binds to (set by the platform; the Procfile reads it)."),
    "WEB_CONCURRENCY": ("2", "gunicorn worker processes (Procfile)."),
    "GUNICORN_THREADS": (
        "2",
        "Threads per gunicorn worker (Procfile). All but one may serve console pages and "
        "audio fetched from the database at once; one is kept for the webhooks.",
    ),
}


@dataclass(frozen=True)
class Settings:
    env: str
    twilio_auth_token: Secret
    public_base_url: str
    trusted_proxies: int
    content_dir: Path
    audio_dir: Path
    data_dir: Path
    database_url: Secret  # holds a password
    staff_idle_minutes: float
    secret_key: Secret
    log_salt: Secret
    tts_engine: str
    facts_max_age_days: int = 180
    hotline_timezone: str = "America/Tijuana"
    twilio_account_sid: str = ""
    twilio_sms_from: str = ""
    twilio_messaging_service_sid: str = ""
    sms_pepper: Secret = Secret("")
    twilio_api_base: str = ""
    hotline_number: str = ""
    callback_delay_seconds: int = 20
    callback_retry_seconds: int = 180
    callback_per_number_day: int = 3
    callback_per_hour: int = 60
    callback_countries: tuple[str, ...] = ("MX", "US")
    destination_check_hours: float = 24
    gunicorn_threads: int = 2  # a worker's threads: one is always kept for webhooks (ivr.gate)

    @property
    def development(self) -> bool:
        return self.env == "development"

    def __repr__(self) -> str:
        shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self))
        return f"Settings({shown})"


LOG_SALT_LABEL = b"hotline log salt v1"


def log_salt(configured: str, secret_key: str, auth_token: str) -> str:
    """The salt of the call tags in logs: LOG_SALT, else derived from SECRET_KEY (else from
    TWILIO_AUTH_TOKEN), so every worker on every machine of a deployment tags a call alike (a
    random salt per process gave one call several tags). Derived by HMAC, so the salt, which
    a log reader may learn, tells nothing about the key it came from. Development without
    either secret gets a fixed salt: its calls are simulated."""
    if configured:
        return configured
    key = secret_key or auth_token or "development"
    return hmac.new(key.encode(), LOG_SALT_LABEL, hashlib.sha256).hexdigest()[:32]


def _path(value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else ROOT / path


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    env = dict(os.environ if environ is None else environ)

    def get(name: str) -> str:
        return env.get(name, SETTINGS[name][0]).strip()

    try:
        proxies = int(get("TRUSTED_PROXIES"))
    except ValueError as exc:
        value = get("TRUSTED_PROXIES")
        raise ConfigError(f"TRUSTED_PROXIES must be a whole number, not {value!r}") from exc
    try:
        idle = float(get("STAFF_IDLE_MINUTES"))
    except ValueError as exc:
        value = get("STAFF_IDLE_MINUTES")
        raise ConfigError(f"STAFF_IDLE_MINUTES must be a number, not {value!r}") from exc
    if idle <= 0:
        raise ConfigError("STAFF_IDLE_MINUTES must be more than 0")
    try:
        max_age = int(get("FACTS_MAX_AGE_DAYS"))
    except ValueError as exc:
        value = get("FACTS_MAX_AGE_DAYS")
        raise ConfigError(f"FACTS_MAX_AGE_DAYS must be a whole number, not {value!r}") from exc
    if max_age < 0:
        raise ConfigError(f"FACTS_MAX_AGE_DAYS must be 0 or more, not {max_age}")
    try:
        threads = int(get("GUNICORN_THREADS"))
    except ValueError as exc:
        value = get("GUNICORN_THREADS")
        raise ConfigError(f"GUNICORN_THREADS must be a whole number, not {value!r}") from exc
    engine = get("TTS_ENGINE")
    if engine not in ("espeak", "google", "gemini"):
        raise ConfigError(f"TTS_ENGINE must be 'espeak', 'google' or 'gemini', not {engine!r}")

    def whole(name: str) -> int:
        value = get(name)
        try:
            number = int(value)
        except ValueError as exc:
            raise ConfigError(f"{name} must be a whole number, not {value!r}") from exc
        if number < 0:
            raise ConfigError(f"{name} must be 0 or more, not {number}")
        return number

    callbacks = {
        name.lower(): whole(name)
        for name in (
            "CALLBACK_DELAY_SECONDS",
            "CALLBACK_RETRY_SECONDS",
            "CALLBACK_PER_NUMBER_DAY",
            "CALLBACK_PER_HOUR",
        )
    }
    countries = tuple(c.strip().upper() for c in get("CALLBACK_COUNTRIES").split(",") if c.strip())
    unknown = [c for c in countries if c not in phonenumbers.SUPPORTED_REGIONS]
    if unknown:
        raise ConfigError(f"CALLBACK_COUNTRIES has unknown country codes: {', '.join(unknown)}")
    hotline_number = get("HOTLINE_NUMBER")
    if hotline_number and not _e164(hotline_number):
        raise ConfigError(
            f"HOTLINE_NUMBER must be a number in E.164 (+...), not {hotline_number!r}"
        )
    try:
        check_hours = float(get("DESTINATION_CHECK_HOURS"))
    except ValueError as exc:
        value = get("DESTINATION_CHECK_HOURS")
        raise ConfigError(f"DESTINATION_CHECK_HOURS must be a number, not {value!r}") from exc
    if check_hours < 0:
        raise ConfigError("DESTINATION_CHECK_HOURS must be 0 or more")
    zone = get("HOTLINE_TIMEZONE")
    try:
        ZoneInfo(zone)
    except (ValueError, ZoneInfoNotFoundError) as exc:
        raise ConfigError(f"HOTLINE_TIMEZONE must be a time zone name, not {zone!r}") from exc
    return Settings(
        env=get("HOTLINE_ENV"),
        twilio_auth_token=Secret(get("TWILIO_AUTH_TOKEN")),
        public_base_url=get("PUBLIC_BASE_URL").rstrip("/"),
        trusted_proxies=proxies,
        content_dir=_path(get("CONTENT_DIR")),
        audio_dir=_path(get("AUDIO_DIR")),
        data_dir=_path(get("DATA_DIR")),
        database_url=Secret(get("DATABASE_URL")),
        staff_idle_minutes=idle,
        secret_key=Secret(get("SECRET_KEY")),
        log_salt=Secret(log_salt(get("LOG_SALT"), get("SECRET_KEY"), get("TWILIO_AUTH_TOKEN"))),
        tts_engine=engine,
        facts_max_age_days=max_age,
        hotline_timezone=zone,
        twilio_account_sid=get("TWILIO_ACCOUNT_SID"),
        twilio_sms_from=get("TWILIO_SMS_FROM"),
        twilio_messaging_service_sid=get("TWILIO_MESSAGING_SERVICE_SID"),
        sms_pepper=Secret(get("SMS_PEPPER")),
        twilio_api_base=get("TWILIO_API_BASE").rstrip("/"),
        hotline_number=hotline_number,
        callback_countries=countries,
        destination_check_hours=check_hours,
        **callbacks,
        gunicorn_threads=max(1, threads),
    )


def _e164(number: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(number))
    except phonenumbers.NumberParseException:
        return False
