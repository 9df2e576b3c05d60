"""Every user-facing text goes through the catalogues; English and Chinese have the same keys."""

import re
from pathlib import Path

from onboarding.core.i18n import catalogue, supported, translate
from onboarding.gateway import credentials, runs
from onboarding.process import merchants
from onboarding.process.definition import EVIDENCE_KINDS, OWNERS, default_process
from onboarding.process.transitions import ITEM_STATUSES

ROOT = Path(__file__).resolve().parent.parent
KEY_CALL = re.compile(
    r"""\b(?:t|translate|Error|Denied|NotFound|Closed|flash_key|_run\([^"']*)\(\s*["']([a-z_]+(?:\.[a-z_]+)+)["']"""
)
LITERAL_KEY = re.compile(
    r"""["']((?:error|flash|nav|pipeline|merchant|action|field|event|history|status|sidebar)\.[a-z_]+)["']"""
)


def _used_keys() -> set[str]:
    keys: set[str] = set()
    for path in [ROOT / "app.py", *ROOT.glob("pages/*.py"), *ROOT.glob("onboarding/**/*.py")]:
        source = path.read_text(encoding="utf-8")
        keys |= set(KEY_CALL.findall(source)) | set(LITERAL_KEY.findall(source))
    return keys


def _dynamic_keys() -> set[str]:
    """Keys built from values (status.{s}, mode.{m}, …): every value must have its text."""
    keys = {f"status.{s}" for s in merchants.MERCHANT_STATUSES}
    keys |= {f"mode.{m}" for m in merchants.INTEGRATION_MODES}
    keys |= {f"platform.{p}" for p in merchants.SHOP_PLATFORMS}
    keys |= {f"item_status.{s}" for s in ITEM_STATUSES}
    keys |= {f"owner.{o}" for o in OWNERS}
    keys |= {f"evidence.{e}" for e in EVIDENCE_KINDS} | {f"evidence.prompt.{e}" for e in EVIDENCE_KINDS}
    keys |= {f"choice.{c}" for item in default_process().items for c in item.choices}
    keys |= {f"role.{r}" for r in ("admin", "support", "merchant")}
    keys |= {f"gateway.verdict_name.{v}" for v in runs.VERDICTS}
    keys |= {f"gateway.page.suite_{s}" for s in runs.RUN_STATUSES}
    keys |= {f"gateway.env.{e}" for e in credentials.ENVIRONMENTS}
    return keys


def test_english_and_chinese_catalogues_have_the_same_keys():
    english, chinese = set(catalogue("en")), set(catalogue("zh"))
    assert english - chinese == set(), "missing in zh"
    assert chinese - english == set(), "missing in en"


def test_every_key_used_in_the_code_is_in_both_catalogues():
    used = _used_keys() | _dynamic_keys()
    assert len(used) > 100
    for language in ("en", "zh"):
        missing = sorted(key for key in used if key not in catalogue(language))
        assert missing == [], f"{language} misses {missing}"


def test_placeholders_match_between_languages():
    placeholder = re.compile(r"{(\w+)}")
    for key, english in catalogue("en").items():
        assert set(placeholder.findall(english)) == set(placeholder.findall(catalogue("zh")[key])), key


def test_translate_formats_and_falls_back():
    assert translate("pipeline.demo_loaded", "en", count=25) == "Loaded 25 demo merchants."
    assert translate("pipeline.demo_loaded", "zh", count=25) == "已加载 25 个演示商户。"
    assert translate("pipeline.title", "xx") == "Onboarding pipeline"


def test_a_stored_language_the_app_does_not_speak_falls_back_to_english():
    assert [supported(value) for value in ("zh", "en", None, "", "fr")] == ["zh", "en", "en", "en", "en"]
