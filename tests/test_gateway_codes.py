"""Every result code of the gateway has plain words in English and Chinese."""

from onboarding.core.i18n import catalogue
from onboarding.gateway import codes


def test_every_documented_code_has_plain_words_in_both_languages():
    for code in codes.ALL_CODES:
        for language in ("en", "zh"):
            assert f"gateway.code.c{code}" in catalogue(language), (code, language)


def test_signature_and_decline_codes_say_what_to_do():
    assert codes.explain("104000") == "the signature does not match: check the salt"
    assert codes.explain("104000", "zh") == "签名不匹配：请检查 salt（密钥）"
    assert "issuing bank" in codes.explain("301002")
    assert codes.explain("107001") == "the transaction was not found"


def test_an_unknown_code_is_named_rather_than_hidden():
    assert codes.explain("999999") == "unknown result code 999999: ask PingPong support what it means"
    assert codes.explain(None).startswith("unknown result code ?")


def test_only_the_ok_codes_count_as_ok():
    assert [code for code in codes.ALL_CODES if codes.is_ok(code)] == ["000000", "001000", "002000"]
