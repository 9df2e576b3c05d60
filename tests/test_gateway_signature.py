"""The v4 signature: salt first, sorted non-empty fields, upper-case hex; vectors computed here independently."""

import hashlib

import pytest

from onboarding.gateway.signature import sign, signed, string_to_sign, verify

SALT = "0123456789ABCDEF01234567"
BIZ = (
    '{"merchantTransactionId":"DEMO-0001","requestId":"REQ-0001","amount":"1.00","currency":"USD",'
    '"captureDelayHours":0}'
)
FIELDS = {"accId": "2099010100000000001001", "clientId": "2099010100000000001", "version": "1.0", "bizContent": BIZ}


def independent(text: str, algorithm: str) -> str:
    return hashlib.new(algorithm, text.encode("utf-8")).hexdigest().upper()


@pytest.mark.parametrize(("sign_type", "algorithm"), [("SHA256", "sha256"), ("MD5", "md5")])
def test_signature_is_the_salt_then_sorted_pairs_hashed_in_upper_case(sign_type, algorithm):
    fields = {**FIELDS, "signType": sign_type}
    text = (
        f"{SALT}accId=2099010100000000001001&bizContent={BIZ}&clientId=2099010100000000001"
        f"&signType={sign_type}&version=1.0"
    )
    assert string_to_sign(fields, SALT) == text
    assert sign(fields, SALT) == independent(text, algorithm)


def test_the_facts_files_worked_examples_match():
    assert (
        sign({**FIELDS, "signType": "SHA256"}, SALT)
        == "AC958751CC69938CCDD0C5F3357ADBC2A34435578DDF69FC1DF2E5E2089BA8EC"
    )
    assert sign({**FIELDS, "signType": "MD5"}, SALT) == "E5B7D3B9EBA3E9C16CADB9773E14AD53"
    response = {
        "accId": "2099010100000000001001",
        "clientId": "2099010100000000001",
        "code": "000000",
        "description": "Transaction succeeded",
        "signType": "SHA256",
        "bizContent": '{"transactionId":"9000000000000001","merchantTransactionId":"DEMO-0001","status":"SUCCESS"}',
    }
    assert sign(response, SALT) == "32BC39217F4DC9B4C984B06EF054BD05DA32688ECDAB6468D44E9416DD35F014"


def test_empty_blank_and_null_values_and_the_sign_itself_are_skipped():
    fields = {**FIELDS, "signType": "SHA256"}
    padded = {**fields, "remark": "", "note": "   ", "missing": None, "sign": "ANYTHING"}
    assert sign(padded, SALT) == sign(fields, SALT)


def test_md5_and_sha256_strings_differ_because_sign_type_is_signed():
    assert string_to_sign({**FIELDS, "signType": "MD5"}, SALT) != string_to_sign({**FIELDS, "signType": "SHA256"}, SALT)


def test_keys_sort_in_ascii_order_so_capitals_come_first():
    text = string_to_sign({"b": "2", "B": "1", "a": "3"}, "S")
    assert text == "SB=1&a=3&b=2"
    assert sign({"b": "2", "B": "1", "a": "3", "signType": "MD5"}, "S") == independent(
        "SB=1&a=3&b=2&signType=MD5", "md5"
    )


def test_verify_accepts_its_own_signature_and_refuses_any_change():
    envelope = signed({**FIELDS, "signType": "SHA256"}, SALT)
    assert verify(envelope, SALT)
    assert not verify(envelope, SALT[:-1] + "8")
    assert not verify({**envelope, "bizContent": BIZ.replace("1.00", "9.00")}, SALT)
    assert not verify({**envelope, "sign": ""}, SALT)
    assert not verify({**envelope, "signType": "SHA1"}, SALT)
    assert verify({**envelope, "sign": envelope["sign"].lower()}, SALT)


def test_utf8_text_is_hashed_as_utf8():
    fields = {"bizContent": '{"name":"茶"}', "signType": "SHA256"}
    assert sign(fields, "S") == independent('SbizContent={"name":"茶"}&signType=SHA256', "sha256")
