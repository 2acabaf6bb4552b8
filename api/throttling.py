"""Request rates: anonymous clients by address, signed-in users by account, and digest sign-ups per client.

A client's address is the connecting address unless TRUSTED_PROXY_COUNT proxies stand in front (DRF's
NUM_PROXIES): a client's own X-Forwarded-For never names it, or anyone could rotate the header past every limit.

These throttles count requests in fixed windows (one counter per client and window, incremented): the same work
whatever the rate. DRF's own throttles keep every request's timestamp from the last window in one cache entry and
rewrite it on each request, which grows with the rate a deployment allows. A fixed window lets a client spend two
windows' worth around a boundary; for the small scoped rates (digest sign-ups, 5 an hour) DRF's exact sliding
window stays (settings.REST_FRAMEWORK).

When the cache (Redis) is down, every throttled request answers 503 with Retry-After rather than going unlimited.
"""

import redis
from rest_framework import exceptions, throttling


class CounterUnavailable(exceptions.APIException):
    status_code = 503
    default_detail = "The service is briefly unavailable: try again in a minute."
    wait = 60


class CacheOutage:
    """For DRF throttles: a cache that cannot be reached is a 503, not a 500 from deep inside the counter."""

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except redis.RedisError:
            raise CounterUnavailable() from None


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


class AnonRateThrottle(CacheOutage, WindowCounter, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(CacheOutage, WindowCounter, throttling.UserRateThrottle):
    """Counts signed-in users only: DRF's own also counts anonymous clients by address, which AnonRateThrottle
    already does."""

    def allow_request(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return True
        return super().allow_request(request, view)


class SignUpThrottle(CacheOutage, throttling.SimpleRateThrottle):
    """Digest sign-ups (API_SUBSCRIPTION_RATE) through the API or the site's form: one count per client for both,
    by account when signed in, else by address. Takes a DRF or a Django request, so the site's form asks it too."""

    scope = "subscriptions"

    def get_cache_key(self, request, view):
        user = getattr(request, "user", None)
        ident = user.pk if user and user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
