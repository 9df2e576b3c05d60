"""Why a request's signature does not verify: the string that should have been signed, and what was done instead."""

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping

from onboarding.gateway.signature import SIGN_TYPES, string_to_sign

SALT_PLACEHOLDER = "<salt>"
ENVELOPE_FIELDS = ("accId", "bizContent", "clientId", "signType", "version")


def _digest(algorithm: str, text: str) -> str:
    data = text.encode("utf-8")
    return (hashlib.md5(data) if algorithm == "MD5" else hashlib.sha256(data)).hexdigest().upper()


def _pairs(fields: Mapping[str, object], *, keep_empty: bool = False, stringify: bool = False) -> list[tuple[str, str]]:
    """The k=v pairs a signer would join, with the skipping rules relaxed as common mistakes do."""
    pairs = []
    for key, value in sorted(fields.items()):
        if key == "sign" or value is None:
            continue
        if not isinstance(value, str):
            if not stringify:
                continue
            value = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        if not value.strip() and not keep_empty:
            continue
        pairs.append((key, value))
    return pairs


def _joined(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{key}={value}" for key, value in pairs)


def _hypotheses(fields: Mapping[str, object], salt: str) -> list[tuple[dict, Callable[[str], str | None]]]:
    """(finding, signer) pairs: each signer makes the signature a common mistake would have made."""
    pairs = _pairs(fields)
    content = _joined(pairs)
    made: list[tuple[dict, Callable[[str], str | None]]] = []
    declared = str(fields.get("signType") or "")
    for algorithm in SIGN_TYPES:
        if algorithm != declared:
            made.append(
                (
                    {"key": "other_algorithm", "params": {"used": algorithm, "declared": declared or "—"}},
                    lambda alg, a=algorithm: _digest(a, salt + content),
                )
            )
    for key, _value in pairs:
        rest = _joined([pair for pair in pairs if pair[0] != key])
        made.append(({"key": "left_out", "params": {"field": key}}, lambda alg, r=rest: _digest(alg, salt + r)))
    made.append(({"key": "salt_at_end", "params": {}}, lambda alg: _digest(alg, content + salt)))
    made.append(({"key": "no_salt", "params": {}}, lambda alg: _digest(alg, content)))
    with_empty = _joined(_pairs(fields, keep_empty=True))
    if with_empty != content:
        made.append(({"key": "empty_included", "params": {}}, lambda alg: _digest(alg, salt + with_empty)))
    stringified = _joined(_pairs(fields, stringify=True))
    if stringified != content:
        made.append(({"key": "object_signed", "params": {}}, lambda alg: _digest(alg, salt + stringified)))
    made.append(
        (
            {"key": "hmac", "params": {}},
            lambda alg: (
                hmac.new(salt.encode(), content.encode(), hashlib.sha256).hexdigest().upper()
                if alg == "SHA256"
                else None
            ),
        )
    )
    biz = fields.get("bizContent")
    if isinstance(biz, str):
        try:
            parsed = json.loads(biz)
        except ValueError:
            parsed = None
        if parsed is not None:
            for spaced in (json.dumps(parsed, ensure_ascii=False), json.dumps(parsed)):
                if spaced != biz:
                    other = _joined(_pairs({**fields, "bizContent": spaced}))
                    made.append(
                        (
                            {"key": "biz_reencoded", "params": {}},
                            lambda alg, o=other: _digest(alg, salt + o),
                        )
                    )
    return made


def diagnose(fields: Mapping[str, object], salt: str) -> dict:
    """What a person needs to fix a refused signature; the salt itself appears nowhere in the result."""
    declared = str(fields.get("signType") or "")
    signed = [key for key, _ in _pairs(fields)]
    skipped = [
        {"field": key, "why": "not_a_string" if not isinstance(value, str) else "empty"}
        for key, value in sorted(fields.items())
        if key != "sign" and value is not None and (not isinstance(value, str) or not value.strip())
    ]
    missing = [name for name in ENVELOPE_FIELDS if fields.get(name) in (None, "")]
    findings: list[dict] = []
    given = fields.get("sign")
    if not isinstance(given, str) or not given.strip():
        findings.append({"key": "no_sign", "params": {}})
    for field in missing:
        findings.append({"key": "missing_field", "params": {"field": field}})
    for item in skipped:
        if item["why"] == "not_a_string":
            findings.append({"key": "not_a_string", "params": {"field": item["field"]}})
    explained = False
    if isinstance(given, str) and given.strip():
        algorithm = declared if declared in SIGN_TYPES else "SHA256"
        wanted = given.strip().upper()
        for finding, signer in _hypotheses(fields, salt):
            if signer(algorithm) == wanted:
                findings.append({**finding, "explains": True})
                explained = True
                break
    if not explained:
        findings.append({"key": "unexplained", "params": {}})
    return {
        "string_to_sign": string_to_sign(fields, SALT_PLACEHOLDER),
        "sign_type": declared,
        "signed_fields": signed,
        "skipped_fields": skipped,
        "left_out": sorted({f["params"]["field"] for f in findings if f["key"] in ("left_out", "missing_field")}),
        "differs": sorted(
            {
                {"other_algorithm": "signType", "biz_reencoded": "bizContent", "object_signed": "bizContent"}.get(
                    f["key"], ""
                )
                for f in findings
            }
            - {""}
        ),
        "findings": findings,
        "explained": explained,
    }
