"""The v4 signature: salt first, sorted non-empty fields, SHA256 or MD5 in upper-case hex."""

import hashlib
import hmac
from collections.abc import Mapping

SIGN_TYPES = ("SHA256", "MD5")
DEFAULT_SIGN_TYPE = "SHA256"


class UnknownSignType(ValueError):
    """The message names a sign type other than SHA256 or MD5."""


def string_to_sign(fields: Mapping[str, object], salt: str) -> str:
    """The salt followed by `k=v` pairs of every non-empty field but `sign`, in ASCII key order."""
    pairs = [
        f"{key}={value}"
        for key, value in sorted(fields.items())
        if key != "sign" and isinstance(value, str) and value.strip()
    ]
    return salt + "&".join(pairs)


def sign(fields: Mapping[str, object], salt: str, sign_type: str | None = None) -> str:
    """The upper-case hex signature of `fields`; the algorithm is `sign_type` or the fields' own `signType`."""
    algorithm = (sign_type or str(fields.get("signType") or DEFAULT_SIGN_TYPE)).upper()
    payload = string_to_sign(fields, salt).encode("utf-8")
    if algorithm == "SHA256":
        return hashlib.sha256(payload).hexdigest().upper()
    if algorithm == "MD5":
        return hashlib.md5(payload).hexdigest().upper()
    raise UnknownSignType(algorithm)


def verify(fields: Mapping[str, object], salt: str) -> bool:
    """Whether `fields["sign"]` is the signature of the other fields under their `signType`."""
    given = fields.get("sign")
    if not isinstance(given, str) or not given:
        return False
    try:
        expected = sign(fields, salt)
    except UnknownSignType:
        return False
    # the gateway writes upper case; compare in constant time so timing reveals nothing
    return hmac.compare_digest(expected, given.upper())


def signed(fields: Mapping[str, object], salt: str) -> dict:
    """A copy of `fields` with its `sign` added."""
    envelope = {key: value for key, value in fields.items() if key != "sign"}
    envelope["sign"] = sign(envelope, salt)
    return envelope
