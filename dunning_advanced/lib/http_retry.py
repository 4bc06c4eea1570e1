"""Retry rules shared by the REST clients (:mod:`.agency_client`,
:mod:`.gpd_client`).

Pure Python, no ORM. What is retried: 429 (Too Many Requests, RFC 6585 § 4)
and every 5xx, with exponential back-off; a Retry-After given in seconds
(RFC 9110 § 10.2.3) is honoured up to the caller's cap. Plain http is only
accepted towards this machine (tests, local bridges).
"""

import requests

RETRY_STATUSES = frozenset({429, *range(500, 600)})
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def backoff_delays(attempts: int, first: float, ceiling: float) -> list[float]:
    """Waits between ``attempts`` tries: first, 2 * first, 4 * first ... capped."""
    return [min(ceiling, first * 2**index) for index in range(max(0, attempts - 1))]


def retry_after(response: requests.Response, ceiling: float) -> float | None:
    """Seconds asked by a Retry-After header in seconds (RFC 9110 §10.2.3)."""
    value = response.headers.get("Retry-After", "").strip()
    if value.isdigit():
        return min(ceiling, float(value))
    return None  # an HTTP date or nothing: use our own back-off
