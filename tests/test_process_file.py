"""The process definition file: the shipped one loads, each kind of mistake is named clearly."""

import copy
import tomllib

import pytest

from onboarding.process.definition import DEFAULT_PROCESS_FILE, ProcessError, load, parse


@pytest.fixture
def raw() -> dict:
    return tomllib.loads(DEFAULT_PROCESS_FILE.read_text(encoding="utf-8"))


def test_shipped_process_has_five_stages_with_bilingual_titles():
    process = load()
    assert [stage.key for stage in process.stages] == [
        "sandbox",
        "solution",
        "authorization",
        "docking",
        "verification",
    ]
    for item in process.items:
        assert item.title["en"] and item.title["zh"]
    assert process.item("pci_dss_certificate").condition == "non_hosted"
    assert process.item("sandbox_ids").condition == "self_registered_sandbox"


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda d: d["stages"][0]["items"][0].update(owner="robot"),
            "stage 'sandbox', item 'sandbox_account_type': field 'owner' must be one of merchant, support, automatic",
        ),
        (
            lambda d: d["stages"][1]["items"][1].update(condition="if_sunny"),
            "item 'pci_dss_certificate': field 'condition' must be one of",
        ),
        (
            lambda d: d["stages"][3]["items"][4]["title"].pop("zh"),
            "item 'product_link': field 'title.zh' is missing or empty",
        ),
        (
            lambda d: d["stages"][2]["items"][0].update(key="go_live"),
            "item 'go_live': field 'key' is used by another item",
        ),
        (lambda d: d["stages"][0].update(sla_days=0), "stage 'sandbox': field 'sla_days' must be a whole number"),
        (
            lambda d: d["stages"][0]["items"][0].update(evidence="hologram"),
            "item 'sandbox_account_type': field 'evidence' must be one of",
        ),
        (
            lambda d: d["stages"][0]["items"][0].update(colour="red"),
            "item 'sandbox_account_type': unknown field 'colour'",
        ),
        (lambda d: d["stages"][1]["items"][0].pop("choices"), "item 'integration_mode': field 'choices'"),
        (lambda d: d["stages"][4].update(items=[]), "stage 'verification': field 'items' must list"),
    ],
)
def test_each_mistake_names_the_file_the_item_and_the_field(raw, mutate, expected):
    broken = copy.deepcopy(raw)
    mutate(broken)
    with pytest.raises(ProcessError) as caught:
        parse(broken, "process.toml")
    assert str(caught.value).startswith("process.toml: ")
    assert expected in str(caught.value)


def test_invalid_toml_and_missing_file_are_reported_with_the_path(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[[stages]\nkey = ", encoding="utf-8")
    with pytest.raises(ProcessError, match="bad.toml: not valid TOML"):
        load(bad)
    with pytest.raises(ProcessError, match="missing.toml: the process file does not exist"):
        load(tmp_path / "missing.toml")


def test_the_process_file_setting_points_at_a_copy_outside_the_package(tmp_path, monkeypatch):
    from onboarding.core.config import get_settings
    from onboarding.process.definition import default_process

    copy_path = tmp_path / "our-process.toml"
    copy_path.write_text(
        DEFAULT_PROCESS_FILE.read_text(encoding="utf-8").replace("\nversion = 2\n", "\nversion = 7\n"), encoding="utf-8"
    )
    monkeypatch.setenv("ONBOARDING_PROCESS_FILE", str(copy_path))
    get_settings.cache_clear()
    try:
        assert default_process().version == 7 and default_process().source == str(copy_path)
        monkeypatch.setenv("ONBOARDING_PROCESS_FILE", str(tmp_path / "gone.toml"))
        get_settings.cache_clear()
        with pytest.raises(ProcessError, match="gone.toml: the process file does not exist"):
            default_process()
    finally:
        monkeypatch.delenv("ONBOARDING_PROCESS_FILE")
        get_settings.cache_clear()
    assert default_process().source == str(DEFAULT_PROCESS_FILE)


def test_any_edit_changes_the_digest_the_merchants_are_synced_by(raw):
    edited = copy.deepcopy(raw)
    edited["stages"][0]["items"][0]["title"]["en"] = "Sandbox account type picked"
    assert parse(edited, "p.toml").digest != parse(raw, "p.toml").digest
    assert parse(copy.deepcopy(raw), "p.toml").digest == parse(raw, "p.toml").digest
