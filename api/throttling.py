"""Request rates: anonymous clients by address, signed-in users by account, and scoped rates (subscriptions).

Each throttle counts requests in fixed windows (one counter per client and window, incremented): the same work
whatever the rate. DRF's own throttles keep every request's timestamp from the last window in one cache entry and
rewrite it on each request, which grows with the rate a deployment allows.
"""

from rest_framework import throttling


class WindowCounter:
    """For DRF's SimpleRateThrottle subclasses: allow `num_requests` per `duration`-second window."""

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        count = _count(self.cache, f"{key}:{window}", self.duration + 1)
        self.retry_after = (window + 1) * self.duration - now
        return count <= self.num_requests

    def wait(self):
        return getattr(self, "retry_after", None)


def _count(cache, key, timeout):
    if hasattr(cache, "count"):  # config.cache.RedisCache: one round trip
        return cache.count(key, timeout)
    cache.add(key, 0, timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, timeout)
        return 1


class AnonRateThrottle(WindowCounter, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(WindowCounter, throttling.UserRateThrottle):
    """Counts signed-in users only: DRF's own also counts anonymous clients by address, which AnonRateThrottle
    already does."""

    def allow_request(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return True
        return super().allow_request(request, view)


class ScopedRateThrottle(WindowCounter, throttling.ScopedRateThrottle):
    def allow_request(self, request, view):
        # DRF's ScopedRateThrottle reads the view's scope here, before counting.
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)
