"""What an agency's receipt may say about when it registered an order.

An agency registers an order after the hub served it (``deliveredAt``) and not later than now:
``registeredAt`` before the order was served — the year 2000, or an hour before delivery — or
after now is a clerk's or a system's mistake, and it would go into the signed receipt and the
agency's register, where the term of a waiting order may start from it. The agency's clock and
the hub's may differ a little: ``CLOCK_SKEW`` either way is allowed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hub.errors import BadUserInput

CLOCK_SKEW = timedelta(minutes=5)
ARGUMENT = "receipt.registeredAt"


def check_registered_at(registered_at: datetime, *, served_at: datetime, now: datetime) -> datetime:
    """``registered_at`` in UTC (as the hub keeps every time; SQLite would drop another
    offset); BAD_USER_INPUT unless it has a time zone and lies between the order's service and
    now, give or take :data:`CLOCK_SKEW`."""
    if registered_at.tzinfo is None or registered_at.utcoffset() is None:
        raise BadUserInput(
            f"{ARGUMENT} needs a time zone (2026-12-02T09:30:00+08:00 or …Z)",
            argument=ARGUMENT,
            rule="TIMEZONE_REQUIRED",
        )
    if registered_at < served_at - CLOCK_SKEW:
        raise BadUserInput(
            f"{ARGUMENT} {registered_at.isoformat()} is before the order was served on the"
            f" agency ({served_at.isoformat()}); give the time the agency registered it",
            argument=ARGUMENT,
            rule="REGISTERED_BEFORE_SERVICE",
        )
    if registered_at > now + CLOCK_SKEW:
        raise BadUserInput(
            f"{ARGUMENT} {registered_at.isoformat()} is in the future (the hub's time is"
            f" {now.isoformat()}, {int(CLOCK_SKEW.total_seconds() // 60)} minutes of clock"
            " difference allowed); give the time the agency registered it",
            argument=ARGUMENT,
            rule="REGISTERED_IN_FUTURE",
        )
    return registered_at.astimezone(UTC)
