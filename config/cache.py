"""Django's Redis cache with one redis.Redis client per connection pool, and a one-round-trip counter.

Django's client builds a new `redis.Redis` for every cache call; redis-py's constructor registers its response
callbacks each time, which cost about 0.4 ms a call on this project's machines: a throttled API request makes
two calls. The client is thread-safe (connections come from the pool), so one per pool is enough.
It reaches into Django's backend (`_cache`, `_client`, `_get_connection_pool`) for bench/api.py's floors (list p99
under 50 ms, at most 3 times raw SQL), which were met with thin margins (ratio 2.20-2.92 over ten runs).
"""

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

    def count(self, key, timeout):
        """Increment a counter that expires `timeout` seconds after it is created, in one round trip (the
        API's throttles)."""
        key = self.make_and_validate_key(key)
        pipeline = self._cache.get_client(key, write=True).pipeline(transaction=False)
        pipeline.set(key, 0, ex=timeout, nx=True)
        pipeline.incr(key)
        return pipeline.execute()[1]
