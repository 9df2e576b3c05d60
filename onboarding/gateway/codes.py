"""Every result code of the gateway, and what it means in plain words."""

from onboarding.core.i18n import DEFAULT_LANGUAGE, catalogue, translate

SUCCESS = "000000"
REQUEST_OK = "001000"
PROCESSING = "002000"
OK_CODES = (SUCCESS, REQUEST_OK, PROCESSING)
BAD_PARAMETER = "102000"
AUTH_INVALID = "103000"
BAD_SIGNATURE = "104000"
INVALID_TRANSACTION = "105000"
CURRENCY = "106000"
DUPLICATE = "107000"
NOT_FOUND = "107001"
ORIGINAL_NOT_FOUND = "107002"
ORIGINAL_TYPE = "107003"
REFUND_TOO_LARGE = "108000"
REFUND_OVER_BALANCE = "108003"
CAPTURE_ON_REVERSED = "109000"
CAPTURE_TOO_LARGE = "109001"
VOID_ON_CAPTURED = "109002"
HIGH_RISK = "200000"
DO_NOT_HONOUR = "301002"
THREE_DS_FAILED = "400000"
# Codes a gateway answers without a signature it could prove: the caller's key is unknown or wrong.
UNSIGNED_CODES = (AUTH_INVALID, BAD_SIGNATURE)

ALL_CODES = (
    "000000",
    "001000",
    "002000",
    "101000",
    "101001",
    "101002",
    "102000",
    "103000",
    "104000",
    "105000",
    "106000",
    "106001",
    "106002",
    "106003",
    "107000",
    "107001",
    "107002",
    "107003",
    "108000",
    "108001",
    "108002",
    "108003",
    "109000",
    "109001",
    "109002",
    "200000",
    "201000",
    "202000",
    "202001",
    "203000",
    "300000",
    "300001",
    "300002",
    "300003",
    "301001",
    "301002",
    "301003",
    "301004",
    "301005",
    "301006",
    "301007",
    "301008",
    "301009",
    "301010",
    "301011",
    "301012",
    "301013",
    "301015",
    "301099",
    "302000",
    "303000",
    "400000",
    "400001",
    "500000",
    "500001",
    "500002",
    "500003",
    "500004",
    "500005",
    "500006",
    "500008",
    "500009",
    "600000",
    "600001",
    "600002",
)
RISK_CODES = ("200000", "201000", "202000", "202001", "203000", "302000")


def is_ok(code: str | None) -> bool:
    """Whether the code says the request or transaction succeeded (or is being processed)."""
    return code in OK_CODES


def explain(code: str | None, language: str = DEFAULT_LANGUAGE) -> str:
    """The code in plain words, e.g. 104000 → "the signature does not match: check the salt"."""
    code = (code or "").strip()
    key = f"gateway.code.c{code}"
    if key in catalogue(DEFAULT_LANGUAGE):
        return translate(key, language)
    return translate("gateway.code.unknown", language, code=code or "?")
