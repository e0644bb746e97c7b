"""The test suite never flushes the shared Redis: clearing the cache between tests deletes
only the keys under this run's own prefix."""

import pytest
import redis
from django.conf import settings
from django.core.cache import cache

from tests.fixtures import cache_clear_own_keys


@pytest.mark.redis
def test_clearing_the_cache_leaves_other_keys_of_the_redis_database_alone():
    client = redis.Redis.from_url(settings.REDIS_URL)
    foreign = "someone-else:not-ours"
    client.set(foreign, "keep", ex=60)
    try:
        cache.set("ours", "gone", 60)
        assert cache.get("ours") == "gone"
        assert cache_clear_own_keys() >= 1
        assert cache.get("ours") is None
        assert client.get(foreign) == b"keep"
    finally:
        client.delete(foreign)


def test_each_run_has_its_own_cache_key_prefix():
    assert "-test-" in settings.CACHES["default"]["KEY_PREFIX"]
