"""Requests to addresses people type in: HTTPS only, public addresses only, checked after DNS and on every redirect."""

import ipaddress
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from onboarding.core.config import get_settings
from onboarding.core.errors import DomainError, ValidationError

MAX_BYTES = 2 * 1024 * 1024
TIMEOUT_SECONDS = 10.0
MAX_REDIRECTS = 5
REDIRECT_STATUSES = (301, 302, 303, 307, 308)

Resolver = Callable[[str, int], list[str]]


class OutboundRefused(ValidationError):
    """The address may not be fetched (scheme, private address, too many redirects, too large)."""


class OutboundFailed(DomainError):
    """The address could not be reached or did not answer in time."""


@dataclass
class Fetched:
    """What an allowed request brought back."""

    status: int
    final_url: str
    body: bytes
    redirects: list[str] = field(default_factory=list)
    content_type: str = ""

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system's DNS gives for `host`."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return []
    return sorted({info[4][0] for info in infos})


# IPv6 ranges that carry an IPv4 address inside them (translation and tunnelling); where the packet really goes
# is that IPv4 address, so it must be public too. Python's ipaddress calls some of these ranges global.
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_IPV4_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")
_SITE_LOCAL = ipaddress.ip_network("fec0::/10")


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """Every IPv4 address an IPv6 address embeds: mapped, compatible, translated, NAT64, 6to4 and Teredo forms."""
    last32 = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    found = []
    if ip.ipv4_mapped:
        found.append(ip.ipv4_mapped)
    if ip in _IPV4_COMPATIBLE or ip in _IPV4_TRANSLATED or any(ip in network for network in _NAT64):
        found.append(last32)
    if ip.sixtofour:
        found.append(ip.sixtofour)
    if ip.teredo:
        found.extend(ip.teredo)
    return found


def address_allowed(address: str, allow_loopback: bool) -> bool:
    """Public unicast addresses only, also inside IPv6 forms that embed IPv4; loopback when the test setting allows."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        inner = embedded_ipv4(ip)
        if ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        elif inner:
            # the embedded address decides, and the translation range itself must not be a local one
            return all(address_allowed(str(v4), allow_loopback=False) for v4 in inner) and ip not in _NAT64[1]
        elif ip in _SITE_LOCAL:
            return False
    if allow_loopback and ip.is_loopback:
        return True
    return ip.is_global and not ip.is_multicast


def _checked(url: str, allow_loopback: bool):
    try:
        parts = urlsplit(url.strip())
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise OutboundRefused("gateway.outbound.bad_url") from None
    allowed_schemes = ("https", "http") if allow_loopback else ("https",)
    if parts.scheme.lower() not in allowed_schemes:
        raise OutboundRefused("gateway.outbound.https_only")
    if not parts.hostname:
        raise OutboundRefused("gateway.outbound.bad_url")
    return parts, port


def _pinned_address(host: str, port: int, resolver: Resolver, allow_loopback: bool) -> str:
    """The address to connect to: every address DNS gives must be allowed, so no answer can sneak past."""
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        addresses = resolver(host, port)
    if not addresses:
        raise OutboundFailed("gateway.outbound.dns", host=host)
    for address in addresses:
        if not address_allowed(address, allow_loopback):
            raise OutboundRefused("gateway.outbound.private_address", host=host, address=address)
    return addresses[0]


def request(
    method: str,
    url: str,
    *,
    json_body: dict | None = None,
    follow_redirects: bool = True,
    resolver: Resolver | None = None,
    transport: httpx.BaseTransport | None = None,
    allow_private: bool | None = None,
    max_bytes: int = MAX_BYTES,
    timeout: float = TIMEOUT_SECONDS,
) -> Fetched:
    """One request to a person-supplied URL through the guard; redirects (at most 5) are followed and re-checked."""
    allow_loopback = get_settings().allow_private_urls if allow_private is None else allow_private
    resolver = resolver or system_resolver
    deadline = time.monotonic() + timeout
    redirects: list[str] = []
    # trust_env=False: an environment proxy would otherwise receive the request instead of the checked address
    with httpx.Client(
        transport=transport, timeout=httpx.Timeout(timeout), follow_redirects=False, trust_env=False
    ) as client:
        while True:
            parts, port = _checked(url, allow_loopback)
            address = _pinned_address(parts.hostname, port, resolver, allow_loopback)
            host = f"[{address}]" if ":" in address else address
            pinned = urlunsplit((parts.scheme, f"{host}:{port}", parts.path or "/", parts.query, ""))
            default_port = port == (443 if parts.scheme == "https" else 80)
            headers = {
                "Host": parts.hostname if default_port else f"{parts.hostname}:{port}",
                "User-Agent": "pingpong-onboarding-check/1.0",
            }
            extensions = {"sni_hostname": parts.hostname} if parts.scheme == "https" else {}
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise OutboundFailed("gateway.outbound.timeout", seconds=int(timeout))
            # one budget for the whole chain of redirects, not a fresh one per hop
            built = client.build_request(
                method, pinned, json=json_body, headers=headers, extensions=extensions, timeout=httpx.Timeout(remaining)
            )
            try:
                response = client.send(built, stream=True)
            except httpx.TimeoutException:
                raise OutboundFailed("gateway.outbound.timeout", seconds=int(timeout)) from None
            except httpx.HTTPError as error:
                raise OutboundFailed(
                    "gateway.outbound.unreachable", host=parts.hostname, reason=type(error).__name__
                ) from None
            try:
                location = response.headers.get("location")
                if follow_redirects and response.status_code in REDIRECT_STATUSES and location:
                    if len(redirects) >= MAX_REDIRECTS:
                        raise OutboundRefused("gateway.outbound.too_many_redirects", limit=MAX_REDIRECTS)
                    url = urljoin(url, location)
                    redirects.append(url)
                    if response.status_code == 303:
                        method, json_body = "GET", None
                    continue
                body = _read_limited(response, max_bytes, deadline, timeout)
                return Fetched(response.status_code, url, body, redirects, response.headers.get("content-type", ""))
            finally:
                response.close()


def _read_limited(response: httpx.Response, max_bytes: int, deadline: float, timeout: float) -> bytes:
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise OutboundRefused("gateway.outbound.too_large", limit=max_bytes // (1024 * 1024))
    chunks, size = [], 0
    try:
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise OutboundRefused("gateway.outbound.too_large", limit=max_bytes // (1024 * 1024))
            if time.monotonic() > deadline:
                raise OutboundFailed("gateway.outbound.timeout", seconds=int(timeout))
            chunks.append(chunk)
    except httpx.TimeoutException:
        raise OutboundFailed("gateway.outbound.timeout", seconds=int(timeout)) from None
    except httpx.HTTPError as error:
        raise OutboundFailed(
            "gateway.outbound.unreachable", host=response.request.url.host, reason=type(error).__name__
        ) from None
    return b"".join(chunks)
