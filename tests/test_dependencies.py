"""Items wait for the items they require; transaction items complete only through the verified query or an override."""

import copy
import tomllib

import pytest

from onboarding.core.access import Actor
from onboarding.core.errors import AccessDenied, ValidationError
from onboarding.core.i18n import translate
from onboarding.process import checklist, merchants, transitions
from onboarding.process.definition import DEFAULT_PROCESS_FILE, ProcessError, default_process, parse
from tests.samples import submit_valid
from tests.test_checklist import finish_stage, item, merchant_user

SUPPORT = Actor(id=None, name="Li Wei", role="support")


def reach(session, admin, merchant, stage_key: str) -> None:
    """Complete every stage before `stage_key`."""
    for stage in range(default_process().stage(stage_key).index):
        finish_stage(session, admin, merchant, stage)


def waits(session, admin, merchant, key: str) -> tuple[str, ...]:
    view = merchants.merchant_view(session, admin, merchant.id)
    return next(entry.waits_for for entry in view.items if entry.key == key)


def test_the_shipped_process_declares_the_dependencies():
    process = default_process()
    assert process.item("parameters_replaced").requires == ("production_parameters",)
    assert process.item("real_transaction").requires == ("verification_submitted",)
    assert process.item("merchant_refund").requires == ("real_transaction",)
    every_other = {item.key for item in process.items if item.required} - {"go_live"}
    assert set(process.item("go_live").requires) == every_other and process.item("go_live").confirm


def test_the_merchant_replaces_parameters_only_after_they_are_issued(session, admin, merchant):
    reach(session, admin, merchant, "docking")
    assert waits(session, admin, merchant, "parameters_replaced") == ("production_parameters",)
    row = item(session, merchant, "parameters_replaced")
    with pytest.raises(ValidationError) as refused:
        checklist.submit(session, merchant_user(merchant), row.id, row.version, "switched the base URL")
    assert refused.value.key == "error.waits_for"
    assert "Production parameters issued" in str(refused.value)
    assert "下发生产参数" in translate(refused.value.key, "zh", **refused.value.params)
    assert item(session, merchant, "parameters_replaced").status == "todo"
    issued = item(session, merchant, "production_parameters")
    checklist.complete(session, admin, issued.id, issued.version)
    assert waits(session, admin, merchant, "parameters_replaced") == ()
    checklist.submit(session, merchant_user(merchant), row.id, row.version, "switched the base URL")
    assert item(session, merchant, "parameters_replaced").status == "submitted"


def test_the_real_transaction_cannot_be_clicked_done(session, admin, merchant):
    reach(session, admin, merchant, "verification")
    row = item(session, merchant, "real_transaction")
    with pytest.raises(ValidationError) as refused:
        checklist.complete(session, admin, row.id, row.version)
    assert refused.value.key == "error.proven_by_query"
    definition = default_process().item("real_transaction")
    assert transitions.COMPLETE_STEP not in transitions.allowed_actions(definition, "todo", admin)
    assert item(session, merchant, "real_transaction").status == "todo"


def test_the_real_transaction_waits_for_the_approved_verification_submission(session, admin, merchant):
    reach(session, admin, merchant, "verification")
    with pytest.raises(ValidationError) as refused:
        checklist.record_result(session, admin, merchant.id, "real_transaction", True, "SUCCESS 1.00 USD")
    assert refused.value.key == "error.waits_for"
    row = item(session, merchant, "verification_submitted")
    checklist.submit(session, merchant_user(merchant), row.id, row.version, "ready")
    assert waits(session, admin, merchant, "real_transaction") == ("verification_submitted",), "submitted is not enough"
    checklist.approve(session, admin, row.id, item(session, merchant, "verification_submitted").version)
    checklist.record_result(session, admin, merchant.id, "real_transaction", True, "SUCCESS 1.00 USD")
    assert item(session, merchant, "real_transaction").status == "done"


def test_only_an_admin_overrides_a_transaction_item_and_only_with_a_reason(session, admin, merchant):
    reach(session, admin, merchant, "verification")
    submitted = item(session, merchant, "verification_submitted")
    checklist.submit(session, merchant_user(merchant), submitted.id, submitted.version, "ready")
    checklist.approve(session, admin, submitted.id, item(session, merchant, "verification_submitted").version)
    row = item(session, merchant, "real_transaction")
    with pytest.raises(AccessDenied):
        checklist.override_item(session, SUPPORT, row.id, row.version, "the gateway was down")
    with pytest.raises(ValidationError) as refused:
        checklist.override_item(session, admin, row.id, row.version, "  ")
    assert refused.value.key == "error.override_reason_required"
    definition = default_process().item("real_transaction")
    assert transitions.OVERRIDE in transitions.allowed_actions(definition, "todo", admin)
    assert transitions.OVERRIDE not in transitions.allowed_actions(definition, "todo", SUPPORT)
    checklist.override_item(session, admin, row.id, row.version, "Production query API down; order seen in back office")
    row = item(session, merchant, "real_transaction")
    assert (row.status, row.value) == ("done", "Production query API down; order seen in back office")
    with pytest.raises(ValidationError):
        checklist.override_item(session, admin, row.id, row.version, "again")
    sandbox_item = item(session, merchant, "sandbox_signoff")
    with pytest.raises(ValidationError) as refused:
        checklist.override_item(session, admin, sandbox_item.id, sandbox_item.version, "not a transaction")
    assert refused.value.key == "error.not_transaction_item"


def test_the_refund_waits_for_the_real_transaction(session, admin, merchant):
    reach(session, admin, merchant, "verification")
    row = item(session, merchant, "merchant_refund")
    with pytest.raises(ValidationError) as refused:
        checklist.submit(session, merchant_user(merchant), row.id, row.version, "refunded")
    assert refused.value.key == "error.waits_for" and "Real 1 USD transaction" in str(refused.value)


def test_go_live_waits_for_every_other_item_and_needs_a_reason(session, admin, merchant):
    reach(session, admin, merchant, "verification")
    process = default_process()
    stage = process.stage("verification")
    still_open = [entry for entry in stage.items if entry.key != "go_live"]
    assert set(waits(session, admin, merchant, "go_live")) == {entry.key for entry in still_open}
    row = item(session, merchant, "go_live")
    with pytest.raises(ValidationError) as refused:
        checklist.complete(session, admin, row.id, row.version, note="looks fine")
    assert refused.value.key == "error.waits_for"
    for definition in still_open:
        current = item(session, merchant, definition.key)
        if definition.owner == "merchant":
            submit_valid(session, merchant_user(merchant), current, definition, merchant)
            checklist.approve(session, admin, current.id, item(session, merchant, definition.key).version)
        else:
            checklist.record_result(session, admin, merchant.id, definition.key, True, "SUCCESS 1.00 USD")
    with pytest.raises(ValidationError) as refused:
        checklist.complete(session, admin, row.id, row.version)
    assert refused.value.key == "error.confirm_reason_required"
    session.refresh(merchant)
    assert merchant.status == "active"
    checklist.complete(session, admin, row.id, row.version, note="Real transaction and refund verified")
    session.refresh(merchant)
    assert merchant.status == "launched"


def test_a_page_hides_forward_actions_while_an_item_waits():
    definition = default_process().item("parameters_replaced")
    staff = Actor(id=1, name="Mei", role="support")
    assert transitions.allowed_actions(definition, "todo", staff, waiting=True) == ()
    assert transitions.allowed_actions(definition, "todo", staff) == ("submit",)
    assert transitions.allowed_actions(definition, "submitted", staff, waiting=True) == ("reject",)


def test_reopening_a_requirement_holds_back_the_items_that_wait_for_it(session, admin, merchant):
    reach(session, admin, merchant, "docking")
    issued = item(session, merchant, "production_parameters")
    checklist.complete(session, admin, issued.id, issued.version)
    checklist.reopen(session, admin, issued.id, item(session, merchant, "production_parameters").version, "Wrong key")
    assert waits(session, admin, merchant, "parameters_replaced") == ("production_parameters",)


@pytest.mark.parametrize(
    ("requires", "expected"),
    [
        (["nowhere"], "item 'parameters_replaced': field 'requires' names 'nowhere', which is not an item"),
        (["parameters_replaced"], "item 'parameters_replaced': field 'requires' names the item itself"),
        (["go_live"], "item 'parameters_replaced': field 'requires' names 'go_live' of a later stage"),
        ("production_parameters", "item 'parameters_replaced': field 'requires' must list item keys"),
    ],
)
def test_a_wrong_requirement_names_the_file_the_item_and_the_field(requires, expected):
    raw = tomllib.loads(DEFAULT_PROCESS_FILE.read_text(encoding="utf-8"))
    broken = copy.deepcopy(raw)
    next(entry for entry in broken["stages"][3]["items"] if entry["key"] == "parameters_replaced")["requires"] = (
        requires
    )
    with pytest.raises(ProcessError) as caught:
        parse(broken, "process.toml")
    assert str(caught.value).startswith("process.toml: ") and expected in str(caught.value)


def test_requirements_that_wait_for_each_other_are_refused():
    raw = tomllib.loads(DEFAULT_PROCESS_FILE.read_text(encoding="utf-8"))
    docking = {entry["key"]: entry for entry in raw["stages"][3]["items"]}
    docking["production_parameters"]["requires"] = ["parameters_replaced"]
    with pytest.raises(ProcessError, match="process.toml: field 'requires' forms a cycle"):
        parse(raw, "process.toml")
