"""The outbound guard: HTTPS only, public addresses only (after DNS and on every redirect), 5 redirects, 2 MB, 10 s.

Nothing here may leave the machine: host names resolve through a stub, and the transport fails the test if it is
ever asked to connect anywhere but 127.0.0.1, so each refusal is proven to happen before any connection.
"""

import httpx
import pytest

from onboarding.gateway import outbound
from onboarding.gateway.outbound import OutboundFailed, OutboundRefused
from tests.gateway_servers import StubServer

ADDRESSES = {
    "shop.test": ["127.0.0.1"],
    "loopback.test": ["127.0.0.1"],
    "intranet.test": ["10.1.2.3"],
    "metadata.test": ["169.254.169.254"],
    "mixed.test": ["127.0.0.1", "192.168.1.10"],
    "cgnat.test": ["100.64.0.1"],
    "v6-loopback.test": ["::1"],
    "mapped.test": ["::ffff:10.0.0.1"],
}


def stub_resolver(host: str, _port: int) -> list[str]:
    return ADDRESSES.get(host, [])


class LoopbackOnly(httpx.HTTPTransport):
    """Real HTTP, but only ever to 127.0.0.1: anything else fails the test before a packet is sent."""

    def __init__(self):
        super().__init__()
        self.hosts: list[str] = []

    def handle_request(self, request):
        self.hosts.append(request.url.host)
        if request.url.host != "127.0.0.1":
            pytest.fail(f"the guard let a connection to {request.url.host} through")
        return super().handle_request(request)


@pytest.fixture
def transport():
    return LoopbackOnly()


def fetch(url, transport, **options):
    options.setdefault("allow_private", False)
    return outbound.request("GET", url, resolver=stub_resolver, transport=transport, **options)


@pytest.mark.parametrize(
    "url",
    [
        "https://intranet.test/",
        "https://metadata.test/latest/meta-data",
        "https://mixed.test/",
        "https://cgnat.test/",
        "https://v6-loopback.test/",
        "https://mapped.test/",
        "https://10.0.0.8/",
        "https://[::1]/",
        "https://169.254.169.254/",
    ],
)
def test_private_loopback_and_link_local_addresses_are_refused_before_connecting(url, transport):
    with pytest.raises(OutboundRefused) as refused:
        fetch(url, transport)
    assert "private, loopback or link-local" in str(refused.value)
    assert transport.hosts == []


def test_loopback_is_refused_without_the_test_setting(transport):
    with pytest.raises(OutboundRefused):
        fetch("https://loopback.test/", transport)
    assert transport.hosts == []


@pytest.mark.parametrize(
    "url", ["http://shop.example.com/", "ftp://shop.example.com/", "file:///etc/passwd", "javascript:alert(1)"]
)
def test_only_https_is_fetched(url, transport):
    with pytest.raises(OutboundRefused):
        fetch(url, transport)
    assert transport.hosts == []


def test_a_name_that_does_not_resolve_is_a_clear_failure(transport):
    with pytest.raises(OutboundFailed) as failed:
        fetch("https://nowhere.test/", transport)
    assert "could not be resolved" in str(failed.value)


def test_the_test_setting_allows_loopback_over_plain_http(transport):
    def answer(_stub, handler, _body):
        return 200, {"Content-Type": "text/html"}, f"product at {handler.headers['Host']}".encode()

    with StubServer(answer) as stub:
        fetched = fetch(f"http://shop.test:{stub.port}/p/1", transport, allow_private=True)
    assert (fetched.status, fetched.final_url) == (200, f"http://shop.test:{stub.port}/p/1")
    assert fetched.text == f"product at shop.test:{stub.port}"
    assert transport.hosts == ["127.0.0.1"]


def test_a_redirect_to_a_private_address_is_refused(transport):
    def answer(_stub, _handler, _body):
        return 302, {"Location": "http://intranet.test/admin"}, b""

    with StubServer(answer) as stub:
        with pytest.raises(OutboundRefused) as refused:
            fetch(f"http://shop.test:{stub.port}/", transport, allow_private=True)
    assert "intranet.test points at 10.1.2.3" in str(refused.value)
    assert transport.hosts == ["127.0.0.1"]


def test_redirects_are_followed_at_most_five_times(transport):
    def answer(_stub, handler, _body):
        hop = int(handler.path.strip("/") or 0)
        return 302, {"Location": f"/{hop + 1}"}, b""

    with StubServer(answer) as stub:
        with pytest.raises(OutboundRefused) as refused:
            fetch(f"http://shop.test:{stub.port}/0", transport, allow_private=True)
        assert len(stub.requests) == 6
    assert "more than 5 times" in str(refused.value)


def test_a_redirect_chain_within_the_limit_reports_the_final_url(transport):
    def answer(_stub, handler, _body):
        hop = int(handler.path.strip("/"))
        return (302, {"Location": f"/{hop + 1}"}, b"") if hop < 3 else (200, {}, b"ok")

    with StubServer(answer) as stub:
        fetched = fetch(f"http://shop.test:{stub.port}/0", transport, allow_private=True)
    assert fetched.final_url == f"http://shop.test:{stub.port}/3" and len(fetched.redirects) == 3


def test_an_oversized_body_is_refused(transport):
    big = b"x" * (2 * 1024 * 1024 + 1)

    def answer(_stub, _handler, _body):
        return 200, {}, big

    with StubServer(answer) as stub:
        with pytest.raises(OutboundRefused) as refused:
            fetch(f"http://shop.test:{stub.port}/", transport, allow_private=True)
    assert "larger than 2 MB" in str(refused.value)


def test_a_body_without_content_length_is_cut_at_the_limit(transport):
    class Streaming(LoopbackOnly):
        def handle_request(self, request):
            super().handle_request(request)
            return httpx.Response(200, stream=httpx.ByteStream(b"y" * 5000))

    with StubServer(lambda *_: (200, {}, b"")) as stub:
        with pytest.raises(OutboundRefused):
            fetch(f"http://shop.test:{stub.port}/", Streaming(), allow_private=True, max_bytes=4096)


def test_a_slow_site_times_out(transport):
    import time

    def answer(_stub, _handler, _body):
        time.sleep(1.0)
        return 200, {}, b"late"

    with StubServer(answer) as stub:
        with pytest.raises(OutboundFailed) as failed:
            fetch(f"http://shop.test:{stub.port}/", transport, allow_private=True, timeout=0.3)
    assert "did not answer" in str(failed.value)


def test_the_time_limit_covers_the_whole_redirect_chain(transport):
    import time

    def answer(_stub, handler, _body):
        time.sleep(0.2)
        hop = int(handler.path.strip("/"))
        return 302, {"Location": f"/{hop + 1}"}, b""

    with StubServer(answer) as stub:
        with pytest.raises(OutboundFailed) as failed:
            fetch(f"http://shop.test:{stub.port}/0", transport, allow_private=True, timeout=0.5)
        assert len(stub.requests) <= 3
    assert "did not answer" in str(failed.value)


@pytest.mark.parametrize(
    "address",
    [
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "64:ff9b:1::a9fe:a9fe",  # local-use NAT64
        "::7f00:1",  # IPv4-compatible 127.0.0.1
        "::a9fe:a9fe",  # IPv4-compatible 169.254.169.254
        "::ffff:0:a00:1",  # IPv4-translated 10.0.0.1
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2002:c0a8:101::1",  # 6to4 of 192.168.1.1
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo whose client is 127.0.0.1
        "fec0::1",  # site-local
    ],
)
def test_ipv6_forms_that_embed_a_private_ipv4_are_refused(address, transport):
    assert not outbound.address_allowed(address, allow_loopback=False)
    ADDRESSES["embedded.test"] = [address]
    with pytest.raises(OutboundRefused):
        fetch("https://embedded.test/", transport)
    assert transport.hosts == []


@pytest.mark.parametrize("address", ["64:ff9b::808:808", "2002:808:808::1", "2606:4700:4700::1111"])
def test_ipv6_forms_of_public_addresses_stay_allowed(address):
    assert outbound.address_allowed(address, allow_loopback=False)
