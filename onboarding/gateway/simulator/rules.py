"""The simulator's deterministic rules, in one place the README and the Test transactions page show."""

from datetime import datetime
from decimal import Decimal, InvalidOperation

from onboarding.gateway import codes

# Documented test cards: the sandbox page and the plugin guides.
TEST_CARDS = {
    "4111111111111111": "VISA",
    "4200000000000000": "VISA",
    "5200000000001096": "MASTERCARD",
    "4711100000000000": "VISA",
}
THREE_DS_CARDS = ("5200000000001096", "4711100000000000")
THREE_DS_CODE = "1234"
RISK_REVIEW_AMOUNT = Decimal("2.00")
# Case C: how the review decides is undocumented, so the simulator's rule is the customer's e-mail.
RISK_REJECT_LOCAL_PART = "reject"
CURRENCY_DECIMALS = {"USD": 2}
CHECKOUT_VALID_HOURS = 48
US_CA = ("US", "CA")
# Seconds between notification attempts after a failure, from the gateway's documentation.
NOTIFICATION_SCHEDULE = (5, 5, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800)
# A refund, capture or void of an amount ending in .03 answers PROCESSING and settles as SUCCESS this much later.
PROCESSING_CENTS = 3
PROCESSING_SECONDS = 5
# Field lengths from the documentation's tables: longer values are refused, never cut.
LIMITS = {
    "merchantTransactionId": 64,
    "requestId": 64,
    "transactionId": 64,
    "merchantRefundId": 64,
    "refundId": 64,
    "merchantCaptureId": 64,
    "merchantVoidId": 64,
    "currency": 3,
    "notificationUrl": 255,
    "payResultUrl": 255,
    "payCancelUrl": 255,
    "remark": 255,
    "language": 12,
    "shopperIP": 128,
}
REFUND_REMARK_LIMIT = 32
# Alternative payment methods whose action is a QR code; every other APM type answers a redirect.
QR_METHODS = ("wechatpay", "alipay", "promptpay", "paynow", "duitnow")

# Keys of the rules as the page and README list them (texts in the gateway.rules catalogue section).
RULE_KEYS = (
    "accounts",
    "signature",
    "cards",
    "decline",
    "amounts",
    "address",
    "risk",
    "three_ds",
    "refunds",
    "preauth",
    "void",
    "checkout",
    "notifications",
    "state",
    "merchant_accounts",
    "processing",
    "apm",
    "execute_three_d",
    "lengths",
    "query",
    "receivers",
    "documentation_gaps",
)


class Refusal(Exception):
    """A request the simulator answers with an error code (and no transaction)."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(code)
        self.code = code
        self.detail = detail


def brand(first_digits: str) -> str:
    """The card scheme from the first digits, as far as the simulator needs it."""
    if first_digits.startswith("4"):
        return "VISA"
    if first_digits[:2] in ("51", "52", "53", "54", "55") or first_digits[:1] == "2":
        return "MASTERCARD"
    return "UNKNOWN"


def amount_of(raw, currency: str) -> Decimal:
    """The amount as a Decimal with at most the currency's decimals; 102000/106000 otherwise."""
    currency = str(currency or "").upper()
    if currency not in CURRENCY_DECIMALS:
        raise Refusal(codes.CURRENCY, f"currency {currency or '?'} is not configured in sandbox: use USD")
    if isinstance(raw, bool) or raw is None:
        raise Refusal(codes.BAD_PARAMETER, "amount is missing")
    try:
        amount = Decimal(str(raw).strip())
    except InvalidOperation:
        raise Refusal(codes.BAD_PARAMETER, f"amount {raw!r} is not a number") from None
    if not amount.is_finite() or amount <= 0:
        raise Refusal(codes.BAD_PARAMETER, "amount must be greater than zero")
    if -amount.as_tuple().exponent > CURRENCY_DECIMALS[currency]:
        raise Refusal(codes.BAD_PARAMETER, f"{currency} allows {CURRENCY_DECIMALS[currency]} decimals")
    return amount


def echo(amount: Decimal) -> str:
    """Amounts as the gateway echoes them: six decimals."""
    return f"{amount:.6f}"


def is_risk_rejected(amount: Decimal, email: str) -> bool | None:
    """At 2.00 the review runs: True rejects, False approves; None when no review runs."""
    if amount != RISK_REVIEW_AMOUNT:
        return None
    return (email or "").split("@", 1)[0].strip().lower() == RISK_REJECT_LOCAL_PART


def check_address(address) -> None:
    """A US or Canadian address needs a two-letter state (case B)."""
    if not isinstance(address, dict):
        return
    country = str(address.get("country") or "").upper()
    state = str(address.get("state") or "")
    if country in US_CA and not (len(state) == 2 and state.isalpha()):
        raise Refusal(codes.BAD_PARAMETER, f"{country} addresses need a two-letter state")


def is_processing(amount: Decimal) -> bool:
    """Whether a refund, capture or void of this amount answers PROCESSING first."""
    return int((amount * 100) % 100) == PROCESSING_CENTS


def is_qr_method(payment_type: str) -> bool:
    """Whether an alternative payment method answers with a QR code rather than a redirect."""
    name = payment_type.lower().replace("_", "").replace("-", "").replace(" ", "")
    return "qr" in name or name in QR_METHODS


def effective_status(operation, now: datetime) -> str:
    """A PROCESSING refund, capture or void counts as SUCCESS once its settling time has passed."""
    if operation.status == "PROCESSING" and operation.settle_at is not None:
        settle = operation.settle_at if operation.settle_at.tzinfo else operation.settle_at.replace(tzinfo=now.tzinfo)
        if settle <= now:
            return "SUCCESS"
    return operation.status
