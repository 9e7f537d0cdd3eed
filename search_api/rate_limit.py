"""Requests per client on the public endpoints (`limits`, a moving window in this process's memory).

A client is its IP address (behind a proxy, the address the proxy forwards: uvicorn's
`--forwarded-allow-ips`). The address is held in memory only, for the length of the window, and
never written anywhere. Staff tokens are never limited. The limits are settings
(`KB_RATE_LIMIT_SEARCH`, `_SUGGEST`, `_FEEDBACK`, `_UNANSWERED`, `_CLICKS`); an empty one switches it off.
"""

from __future__ import annotations

import math
import time
from typing import Literal

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from kb.settings import Settings

Bucket = Literal["search", "suggest", "feedback", "unanswered", "clicks"]


class RateLimits:
    def __init__(self, settings: Settings):
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._rules: dict[Bucket, list[RateLimitItem]] = {
            "search": _parse(settings.rate_limit_search),
            "suggest": _parse(settings.rate_limit_suggest),
            "feedback": _parse(settings.rate_limit_feedback),
            "unanswered": _parse(settings.rate_limit_unanswered),
            "clicks": _parse(settings.rate_limit_clicks),
        }

    def hit(self, bucket: Bucket, client: str) -> int | None:
        """Count one request; None when it is allowed, else the seconds until it would be."""
        for rule in self._rules[bucket]:
            if not self._limiter.hit(rule, bucket, client):
                reset = self._limiter.get_window_stats(rule, bucket, client).reset_time
                return max(1, math.ceil(reset - time.time()))
        return None


def _parse(value: str) -> list[RateLimitItem]:
    return parse_many(value) if value.strip() else []
