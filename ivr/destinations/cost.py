"""What a month of destination checks costs at Twilio's list prices: an estimate.

The schedule itself (`checks.due`) is run over a 30-day month in 5-minute steps for every
transfer number, so the count of calls follows the real rules (opening hours, time zones,
DESTINATION_CHECK_HOURS). Each answered check is billed one minute (Twilio rounds a call up
to the minute; a check lasts seconds) plus answering-machine detection; a check nobody answers
(busy, no answer, failed) costs nothing. Mexican numbers are priced as landlines and as
mobiles (the numbering plan no longer tells them apart), giving a range.

Prices, USD (Twilio's pages, https://www.twilio.com/en-us/voice/pricing/us and /mx, as
transcribed by third parties on 2026-05-04 and 2026-10-03; the live pages were not reachable
from here, and Twilio changes its prices): calls to the U.S. $0.0140/min; to Mexican
landlines $0.0160/min, to Mexican mobiles $0.0473/min; answering-machine detection
$0.0075 per call (Twilio's 2018 documentation; the current price is not confirmed).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

import phonenumbers

from ..content.model import ContentPack
from .checks import due, transfer_numbers

PER_MINUTE = {"US": 0.0140, "MX_fixed": 0.0160, "MX_mobile": 0.0473}
AMD_PER_CALL = 0.0075
STEP_SECONDS = 300
DAYS = 30


@dataclass(frozen=True)
class Estimate:
    calls: Counter  # country -> checks a month
    low: float  # USD, Mexican numbers as landlines
    high: float  # USD, Mexican numbers as mobiles
    numbers: Counter  # country -> transfer numbers


def checks_per_month(pack: ContentPack, every_hours: float, zone: str, start: datetime) -> Counter:
    """number id -> how many checks the schedule places in the 30 days from ``start``."""
    placed: Counter = Counter()
    first = start.astimezone(UTC).timestamp()
    for number in transfer_numbers(pack):
        last = None
        for step in range(DAYS * 24 * 3600 // STEP_SECONDS):
            now = first + step * STEP_SECONDS
            if due(number, last, now, every_hours, zone):
                placed[number.id] += 1
                last = now
    return placed


def estimate(
    pack: ContentPack, every_hours: float, zone: str, start: datetime | None = None
) -> Estimate:
    """Every check answered (the most it can cost): one billed minute plus detection each."""
    start = start or datetime(2027, 3, 1, tzinfo=UTC)  # a month with a U.S. clock change
    per_number = checks_per_month(pack, every_hours, zone, start)
    calls: Counter = Counter()
    numbers: Counter = Counter()
    low = high = 0.0
    for number in transfer_numbers(pack):
        country = phonenumbers.region_code_for_number(phonenumbers.parse(number.e164))
        made = per_number[number.id]
        calls[country] += made
        numbers[country] += 1
        if country == "MX":
            low += made * (PER_MINUTE["MX_fixed"] + AMD_PER_CALL)
            high += made * (PER_MINUTE["MX_mobile"] + AMD_PER_CALL)
        else:
            low += made * (PER_MINUTE["US"] + AMD_PER_CALL)
            high += made * (PER_MINUTE["US"] + AMD_PER_CALL)
    return Estimate(calls, round(low, 2), round(high, 2), numbers)
