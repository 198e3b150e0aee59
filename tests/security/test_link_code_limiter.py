"""Link-code tries: counted exactly across threads and processes (database), by network."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from bot.config import Settings
from bot.runtime import Runtime
from channels.attempts import AttemptLimiter, client_address, network_of


def test_200_parallel_wrong_codes_from_one_ipv6_64_are_counted_exactly(settings: Settings) -> None:
    runtime = Runtime(settings)
    limiter = AttemptLimiter(runtime, "web", max_failures=10)
    # 200 different addresses, all in one subscriber's /64.
    sources = [network_of(f"2001:db8:1234:5678::{n:x}") for n in range(1, 201)]
    assert len(set(sources)) == 1
    with ThreadPoolExecutor(max_workers=32) as pool:
        verdicts = list(pool.map(limiter.reserve, sources))
    assert limiter.failures(sources[0]) == 200
    assert sum(v.allowed for v in verdicts) == 10  # only ten codes were ever checked
    assert limiter.reserve(network_of("2001:db8:1234:9999::1")).allowed  # the next /64 is another network
    runtime.close()


def test_right_codes_are_given_back_so_a_school_behind_one_address_is_not_locked_out(settings: Settings) -> None:
    runtime = Runtime(settings)
    limiter = AttemptLimiter(runtime, "web", max_failures=3)
    school = network_of("203.0.113.7")
    for _ in range(30):  # a class signing in with right codes
        verdict = limiter.reserve(school)
        assert verdict.allowed
        limiter.refund(verdict)
    assert [limiter.reserve(school).allowed for _ in range(4)] == [True, True, True, False]
    runtime.close()


def test_a_spray_from_many_networks_slows_everyone(settings: Settings) -> None:
    runtime = Runtime(settings)
    limiter = AttemptLimiter(runtime, "web", max_failures=10, hourly_budget=20)
    verdicts = [limiter.reserve(network_of(f"198.51.100.{n}")) for n in range(25)]
    assert all(v.allowed for v in verdicts)
    assert [v.slow for v in verdicts] == [False] * 20 + [True] * 5
    runtime.close()


def test_networks_and_the_client_behind_a_trusted_proxy() -> None:
    assert network_of("2001:db8:a:b:1::1") == network_of("2001:db8:a:b:ffff::2") != network_of("2001:db8:a:c::1")
    assert network_of("::ffff:192.0.2.1") == network_of("192.0.2.1") != network_of("192.0.2.2")
    proxies = ["10.0.0.0/8"]
    # Behind the trusted proxy: the right-most untrusted hop; a client cannot add its own.
    assert client_address("10.0.0.5", "6.6.6.6, 192.0.2.9, 10.0.0.4", proxies) == "192.0.2.9"
    # Not from the proxy: the header is ignored (anyone can send it).
    assert client_address("192.0.2.50", "6.6.6.6", proxies) == "192.0.2.50"
    assert client_address("10.0.0.5", "6.6.6.6", []) == "10.0.0.5"
