"""A PingPong Checkout v4 client on httpx: signed envelopes, verified answers, production refused but for queries."""

import json
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from onboarding.core.config import get_settings
from onboarding.core.errors import DomainError
from onboarding.gateway import codes
from onboarding.gateway.credentials import Credentials
from onboarding.gateway.signature import DEFAULT_SIGN_TYPE, SIGN_TYPES, sign, verify

VERSION = "1.0"
PAY = "/v4/payment/unifiedPay"
PREPAY = "/v4/payment/prePay"
QUERY = "/v4/payment/query"
REFUND = "/v4/payment/refund"
REFUND_QUERY = "/v4/refund/query"
CAPTURE = "/v4/payment/capture"
CAPTURE_QUERY = "/v4/capture/query"
VOID = "/v4/payment/void"
VOID_QUERY = "/v4/void/query"
QUERY_PATHS = (QUERY, REFUND_QUERY, CAPTURE_QUERY, VOID_QUERY)
ALL_PATHS = (PAY, PREPAY, QUERY, REFUND, REFUND_QUERY, CAPTURE, CAPTURE_QUERY, VOID, VOID_QUERY)
# Hosts that move real money, whatever a setting says.
PRODUCTION_HOSTS = (
    "acquirer-payment.pingpongx.com",
    "acquirer-merchant.pingpongx.com",
    "acquirer-merchant-fra.pingpongx.com",
    "checkout.pingpongx.com",
)
DEFAULT_TIMEOUT = httpx.Timeout(15.0, connect=5.0)
QUERY_RETRY_DELAYS = (0.3, 1.0)


@dataclass
class Exchange:
    """One HTTP round trip as it happened: what was sent and what came back."""

    path: str
    request: dict
    response: dict | None = None
    http_status: int | None = None
    elapsed_ms: int = 0


class GatewayError(DomainError):
    """A call that produced no trustworthy answer; `exchange` holds what was sent and received."""

    exchange: Exchange | None = None


class GatewayUnavailable(GatewayError):
    """The gateway could not be reached or answered nothing usable: says nothing about the merchant."""


class ResponseNotTrusted(GatewayError):
    """The answer's signature does not verify: it is never used as a result."""


class ProductionRefused(GatewayError):
    """The tool never charges, refunds, captures or voids in production."""


@dataclass
class GatewayResult:
    """A verified answer of the gateway."""

    path: str
    code: str
    description: str
    biz: dict
    signed: bool
    exchange: Exchange
    extra: dict = field(default_factory=dict)

    @property
    def status(self) -> str | None:
        return self.biz.get("status")

    @property
    def result_code(self) -> str:
        """The most specific code: bizContent's resultCode when present, else the top-level code."""
        return str(self.biz.get("resultCode") or self.code)

    @property
    def ok(self) -> bool:
        return codes.is_ok(self.code)

    def words(self, language: str = "en") -> str:
        return codes.explain(self.result_code, language)


def is_production_url(base_url: str) -> bool:
    """Whether `base_url` points at the gateway's production host (configured or known)."""
    host = (urlsplit(base_url).hostname or "").lower()
    configured = (urlsplit(get_settings().pingpong_production_base_url).hostname or "").lower()
    return host == configured or host in PRODUCTION_HOSTS


def new_id(prefix: str) -> str:
    """A fresh identifier for merchantTransactionId, requestId and the like (≤ 64 characters)."""
    return f"{prefix}-{uuid.uuid4().hex[:20].upper()}"


def biz_json(biz: dict) -> str:
    """bizContent as the compact JSON string that is signed and sent."""
    return json.dumps(biz, separators=(",", ":"), ensure_ascii=False)


class GatewayClient:
    """Signed calls to one base URL with one set of credentials."""

    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        *,
        environment: str = "sandbox",
        sign_type: str = DEFAULT_SIGN_TYPE,
        timeout: float | httpx.Timeout | None = None,
        transport: httpx.BaseTransport | None = None,
        retry_delays: tuple[float, ...] = QUERY_RETRY_DELAYS,
        headers: dict[str, str] | None = None,
    ):
        if sign_type not in SIGN_TYPES:
            raise ValueError(sign_type)
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.sign_type = sign_type
        self.production = environment == "production" or is_production_url(self.base_url)
        self.retry_delays = retry_delays
        self._http = httpx.Client(
            timeout=timeout or DEFAULT_TIMEOUT, transport=transport, follow_redirects=False, headers=headers
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "GatewayClient":
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def envelope(self, biz: dict) -> dict:
        """The signed request body for `biz`."""
        fields = {
            "accId": self.credentials.acc_id,
            "clientId": self.credentials.client_id,
            "signType": self.sign_type,
            "version": VERSION,
            "bizContent": biz_json(biz),
        }
        fields["sign"] = sign(fields, self.credentials.salt)
        return fields

    def call(self, path: str, biz: dict) -> GatewayResult:
        """POST `biz` to `path`; queries are retried when the gateway cannot be reached."""
        if path not in ALL_PATHS:
            raise ValueError(path)
        if self.production and path not in QUERY_PATHS:
            # checked before anything is built or sent: production money is never moved by this tool
            raise ProductionRefused("gateway.error.production_refused")
        body = self.envelope(biz)
        delays = self.retry_delays if path in QUERY_PATHS else ()
        for attempt in range(len(delays) + 1):
            try:
                return self._send(path, body)
            except GatewayUnavailable:
                if attempt == len(delays):
                    raise
                time.sleep(delays[attempt])
        raise AssertionError("unreachable")

    def _send(self, path: str, body: dict) -> GatewayResult:
        exchange = Exchange(path=path, request=body)
        started = time.monotonic()
        try:
            response = self._http.post(self.base_url + path, json=body)
        except httpx.TimeoutException:
            raise self._fail(GatewayUnavailable("gateway.error.timeout", url=self.base_url), exchange) from None
        except httpx.HTTPError as error:
            raise self._fail(
                GatewayUnavailable("gateway.error.unavailable", url=self.base_url, reason=type(error).__name__),
                exchange,
            ) from None
        finally:
            exchange.elapsed_ms = int((time.monotonic() - started) * 1000)
        exchange.http_status = response.status_code
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict) or "code" not in answer:
            raise self._fail(GatewayUnavailable("gateway.error.bad_response", status=response.status_code), exchange)
        exchange.response = answer
        code = str(answer.get("code") or "")
        signature = answer.get("sign")
        if signature:
            if not verify(answer, self.credentials.salt):
                raise self._fail(ResponseNotTrusted("gateway.error.response_signature"), exchange)
            signed = True
        elif code in codes.UNSIGNED_CODES:
            signed = False
        else:
            raise self._fail(ResponseNotTrusted("gateway.error.response_unsigned"), exchange)
        try:
            biz = json.loads(answer.get("bizContent") or "{}")
        except (TypeError, ValueError):
            raise self._fail(
                GatewayUnavailable("gateway.error.bad_response", status=response.status_code), exchange
            ) from None
        return GatewayResult(
            path=path,
            code=code,
            description=str(answer.get("description") or ""),
            biz=biz if isinstance(biz, dict) else {},
            signed=signed,
            exchange=exchange,
        )

    @staticmethod
    def _fail(error: GatewayError, exchange: Exchange) -> GatewayError:
        error.exchange = exchange
        return error

    def pay(self, biz: dict) -> GatewayResult:
        """unifiedPay: a server-to-server card payment; a requestId is added when missing (idempotency key)."""
        return self.call(PAY, {"requestId": new_id("REQ"), **biz})

    def pre_pay(self, biz: dict) -> GatewayResult:
        """prePay: a payment intent whose paymentUrl opens the hosted checkout."""
        return self.call(PREPAY, {"requestId": new_id("REQ"), **biz})

    def query(self, transaction_id: str | None = None, merchant_transaction_id: str | None = None) -> GatewayResult:
        """Transaction detail by transactionId or merchantTransactionId."""
        biz = {
            key: value
            for key, value in (("transactionId", transaction_id), ("merchantTransactionId", merchant_transaction_id))
            if value
        }
        return self.call(QUERY, biz)

    def refund(
        self,
        merchant_transaction_id: str,
        amount: str,
        currency: str = "USD",
        merchant_refund_id: str | None = None,
        **extra,
    ) -> GatewayResult:
        """Refund all or part of a payment."""
        return self.call(
            REFUND,
            {
                "merchantTransactionId": merchant_transaction_id,
                "merchantRefundId": merchant_refund_id or new_id("RF"),
                "amount": amount,
                "currency": currency,
                **extra,
            },
        )

    def refund_query(
        self, merchant_transaction_id: str, merchant_refund_id: str | None = None, refund_id: str | None = None
    ) -> GatewayResult:
        """Refund detail by merchantRefundId or refundId."""
        biz = {"merchantTransactionId": merchant_transaction_id}
        biz.update(
            {key: value for key, value in (("merchantRefundId", merchant_refund_id), ("refundId", refund_id)) if value}
        )
        return self.call(REFUND_QUERY, biz)

    def capture(
        self,
        merchant_transaction_id: str,
        amount: str,
        currency: str = "USD",
        merchant_capture_id: str | None = None,
        **extra,
    ) -> GatewayResult:
        """Capture an authorisation (captureDelayHours -1)."""
        return self.call(
            CAPTURE,
            {
                "merchantTransactionId": merchant_transaction_id,
                "merchantCaptureId": merchant_capture_id or new_id("CP"),
                "amount": amount,
                "currency": currency,
                **extra,
            },
        )

    def capture_query(self, merchant_transaction_id: str, merchant_capture_id: str) -> GatewayResult:
        """Capture detail."""
        return self.call(
            CAPTURE_QUERY, {"merchantTransactionId": merchant_transaction_id, "merchantCaptureId": merchant_capture_id}
        )

    def void(
        self,
        merchant_transaction_id: str,
        amount: str,
        notification_url: str,
        currency: str = "USD",
        merchant_void_id: str | None = None,
    ) -> GatewayResult:
        """Void an authorisation; the gateway requires a notificationUrl here."""
        return self.call(
            VOID,
            {
                "merchantTransactionId": merchant_transaction_id,
                "merchantVoidId": merchant_void_id or new_id("VD"),
                "amount": amount,
                "currency": currency,
                "notificationUrl": notification_url,
            },
        )

    def void_query(self, merchant_transaction_id: str, merchant_void_id: str) -> GatewayResult:
        """Void detail."""
        return self.call(
            VOID_QUERY, {"merchantTransactionId": merchant_transaction_id, "merchantVoidId": merchant_void_id}
        )
