"""Subscriptions and the weekly digest, apart from the document pipeline, which never touches them: sign-ups and
their signed links (subscriptions), the digest's periods (periods), what is new in one (news), sending it once per
subscriber and period (sending), and every email the tracker writes (emails).

The names below are the workflow's entry points, for commands, tasks and the admin."""

from tracker.digests.news import digest_for, previews
from tracker.digests.periods import next_period, parse_period, period_bounds, period_of, previous_period, send_moment
from tracker.digests.sending import (
    DELIVERY_CLAIM_TIMEOUT,
    FLAG_AFTER,
    RETRY_CAP,
    claim_deliveries,
    create_deliveries,
    prepare_due_digests,
    send_digest,
    send_digests,
    send_due_digests,
)

__all__ = [
    "DELIVERY_CLAIM_TIMEOUT",
    "FLAG_AFTER",
    "RETRY_CAP",
    "claim_deliveries",
    "create_deliveries",
    "digest_for",
    "next_period",
    "parse_period",
    "period_bounds",
    "period_of",
    "prepare_due_digests",
    "previews",
    "previous_period",
    "send_digest",
    "send_digests",
    "send_due_digests",
    "send_moment",
]
