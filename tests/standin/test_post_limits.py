"""The stand-in's chat.postMessage limits behave as Slack documents them."""

from __future__ import annotations

from bot.standin.web_api import _TokenBucket


def test_one_per_second_per_channel_after_a_short_burst():
    bucket = _TokenBucket(per_second=1.0, capacity=3)
    assert [bucket.take(0.0) for _ in range(3)] == [0.0, 0.0, 0.0]  # a short burst passes
    assert bucket.take(0.0) == 1.0  # the fourth waits a second
    assert bucket.take(1.0) == 0.0
    assert bucket.take(1.5) == 0.5


def test_workspace_limit_of_several_hundred_per_minute():
    bucket = _TokenBucket(per_second=300 / 60, capacity=300)
    passed = sum(1 for _ in range(400) if bucket.take(0.0) == 0.0)
    assert passed == 300
    assert bucket.take(0.2) == 0.0  # refilled at 5 per second
