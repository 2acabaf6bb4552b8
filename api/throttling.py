"""Request rates: anonymous clients by address, signed-in users by account.

These throttles count requests in fixed windows (one counter per client and window, incremented): the same work
whatever the rate. DRF's own throttles keep every request's timestamp from the last window in one cache entry and
rewrite it on each request, which grows with the rate a deployment allows. A fixed window lets a client spend two
windows' worth around a boundary; for the small scoped rates (digest sign-ups, 5 an hour) DRF's exact sliding
window stays (settings.REST_FRAMEWORK).
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
