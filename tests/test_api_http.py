"""The integration API over real HTTP: tokens, filters, pagination, details and the OpenAPI description."""

import httpx
import pytest

from models import User
from models.db import dispose_engines, session_for
from onboarding.accounts import api_tokens
from onboarding.core import clock
from onboarding.core.access import actor_for
from onboarding.process import checklist, merchants, transitions


@pytest.fixture
def api(server):
    """The server's database seeded with three merchants, a support owner and an admin's token."""
    url = f"sqlite:///{(server['data_dir'] / 'onboarding.db').resolve()}"
    with session_for(url) as session:
        admin_user = User(email="zhang.min@support.example.com", name="Zhang Min", role="admin", created_at=clock.now())
        owner = User(email="li.wei@support.example.com", name="Li Wei", role="support", created_at=clock.now())
        session.add_all([admin_user, owner])
        session.commit()
        admin = actor_for(admin_user)
        created = {}
        for name, country, owner_id in (
            ("Aurora Outdoor Gear", "US", owner.id),
            ("Kyoto Tea House", "JP", None),
            ("Berlin Bike Parts", "DE", owner.id),
        ):
            created[name] = merchants.create_merchant(
                session,
                admin,
                merchants.MerchantInput(
                    name=name,
                    website=f"https://{name.split()[0].lower()}.example.com",
                    contact_name="Sam Contact",
                    contact_email=f"sam@{name.split()[0].lower()}.example.com",
                    country=country,
                    shop_platform="custom",
                    integration_mode="hosted_checkout",
                    owner_id=owner_id,
                ),
            )
        merchants.change_status(session, admin, created["Berlin Bike Parts"].id, "on_hold", "Paused")
        token_row, token = api_tokens.create_token(session, admin, "CRM sync")
    yield {
        "url": server["url"],
        "database_url": url,
        "token": token,
        "token_id": token_row.id,
        "admin": admin,
        "owner_id": owner.id,
        "merchants": {k: v.id for k, v in created.items()},
    }
    dispose_engines()


def get(api, path, token=None, **params):
    headers = {"Authorization": f"Bearer {token or api['token']}"} if token != "" else {}
    return httpx.get(f"{api['url']}{path}", headers=headers, params=params, timeout=15)


def test_requests_without_a_valid_token_get_401(api):
    for token in ("", "ppo_forged-token-value", "not-even-a-token"):
        response = get(api, "/api/v1/merchants", token=token)
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert "token" in response.json()["error"]
    assert get(api, f"/api/v1/merchants/{api['merchants']['Kyoto Tea House']}", token="").status_code == 401


def test_a_valid_token_lists_merchants_with_stage_progress_status_owner_and_dates(api):
    response = get(api, "/api/v1/merchants")
    assert response.status_code == 200 and response.headers["x-request-id"]
    body = response.json()
    assert body["total"] == 3 and body["page"] == 1 and body["pages"] == 1
    aurora = next(item for item in body["items"] if item["name"] == "Aurora Outdoor Gear")
    assert aurora["stage"] == {"index": 0, "key": "sandbox", "title": aurora["stage"]["title"]}
    assert aurora["status"] == "active" and 0 <= aurora["progress"] < 1
    assert aurora["owner"] == {"id": api["owner_id"], "name": "Li Wei"}
    assert aurora["created_at"] and aurora["last_activity_at"] and aurora["stage_entered_at"]
    assert aurora["launched_at"] is None and aurora["days_in_stage"] == 0


def test_merchants_are_filtered_by_status_owner_stage_and_search(api):
    names = lambda **params: sorted(item["name"] for item in get(api, "/api/v1/merchants", **params).json()["items"])  # noqa: E731
    assert names(status="on_hold") == ["Berlin Bike Parts"]
    assert names(status="active,on_hold") == ["Aurora Outdoor Gear", "Berlin Bike Parts", "Kyoto Tea House"]
    assert names(owner=api["owner_id"]) == ["Aurora Outdoor Gear", "Berlin Bike Parts"]
    assert names(search="KYOTO") == ["Kyoto Tea House"]
    assert names(stage="sandbox") == ["Aurora Outdoor Gear", "Berlin Bike Parts", "Kyoto Tea House"]
    assert names(stage_index=1) == []
    assert names(status="active", owner=api["owner_id"]) == ["Aurora Outdoor Gear"]


def test_bad_filters_are_refused_with_a_message_naming_the_parameter(api):
    response = get(api, "/api/v1/merchants", status="sleeping")
    assert response.status_code == 400 and "'status'" in response.json()["error"]
    assert get(api, "/api/v1/merchants", per_page=1000).status_code == 400
    assert get(api, "/api/v1/merchants", owner="li").status_code == 400


def test_merchants_come_in_pages(api):
    first = get(api, "/api/v1/merchants", per_page=2).json()
    second = get(api, "/api/v1/merchants", per_page=2, page=2).json()
    assert (first["total"], first["pages"], len(first["items"]), len(second["items"])) == (3, 2, 2, 1)
    assert {i["id"] for i in first["items"]} | {i["id"] for i in second["items"]} == set(api["merchants"].values())


def test_merchant_detail_lists_every_applicable_item_with_its_status(api):
    merchant_id = api["merchants"]["Aurora Outdoor Gear"]
    with session_for(api["database_url"]) as session:
        view = merchants.merchant_view(session, api["admin"], merchant_id)
        first = next(item for item in view.items if item.owner == "merchant" and item.stage_index == 0)
        checklist.submit(
            session,
            api["admin"],
            first.id,
            first.version,
            "aurora" if first.evidence != "choice" else checklist.default_process().item(first.key).choices[0],
        )
    body = get(api, f"/api/v1/merchants/{merchant_id}").json()
    assert body["name"] == "Aurora Outdoor Gear" and body["owner"]["name"] == "Li Wei"
    assert [stage["key"] for stage in body["stages"]][0] == "sandbox" and body["stages"][0]["open"]
    statuses = {item["key"]: item["status"] for item in body["items"]}
    assert statuses[first.key] == "submitted" and set(statuses.values()) <= set(transitions.ITEM_STATUSES)
    assert next(item for item in body["items"] if item["key"] == first.key)["submissions"] == 1
    assert get(api, "/api/v1/merchants/999999").status_code == 404


def test_a_revoked_token_gets_401_at_once(api):
    assert get(api, "/api/v1/merchants").status_code == 200
    with session_for(api["database_url"]) as session:
        assert api_tokens.list_tokens(session, api["admin"])[0].last_used_at is not None
        api_tokens.revoke_token(session, api["admin"], api["token_id"])
    assert get(api, "/api/v1/merchants").status_code == 401


def test_openapi_description_names_both_routes_and_the_bearer_scheme(api):
    spec = httpx.get(f"{api['url']}/api/v1/openapi.json", timeout=15).json()
    assert spec["openapi"].startswith("3.")
    assert {"/api/v1/merchants", "/api/v1/merchants/{merchant_id}"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


@pytest.mark.parametrize(
    ("path", "params", "status", "names"),
    [
        ("/api/v1/merchants", {"page": "1" + "0" * 29}, 400, "'page'"),
        ("/api/v1/merchants", {"owner": "1" + "0" * 29}, 400, "'owner'"),
        ("/api/v1/merchants", {"status": ""}, 400, "'status'"),
        ("/api/v1/merchants", {"stage_index": "-1"}, 400, "'stage_index'"),
        ("/api/v1/merchants", {"search": "x" * 201}, 400, "'search'"),
        ("/api/v1/merchants", {"per_page": "ten"}, 400, "'per_page'"),
        ("/api/v1/merchants/123456789012345678901234567890", {}, 404, "no merchant"),
        ("/api/v1/merchants/not-a-number", {}, 404, "no merchant"),
        ("/api/v1/merchant-list", {}, 404, "nothing at"),
    ],
)
def test_malformed_requests_get_a_json_4xx_naming_the_problem(api, path, params, status, names):
    response = get(api, path, **params)
    assert (response.status_code, response.headers["content-type"]) == (status, "application/json")
    assert names in response.json()["error"] and response.json()["request_id"]


def test_the_fuzzer_driven_by_the_api_document_finds_nothing(api, tmp_path):
    """Schemathesis generates valid and invalid requests from /api/v1/openapi.json and checks every answer."""
    import subprocess
    import sys
    from pathlib import Path

    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        f"{api['url']}/api/v1/openapi.json",
        "--header",
        f"Authorization: Bearer {api['token']}",
        "--checks",
        "all",
        "--mode",
        "all",
        "--max-examples",
        "60",
        "--seed",
        "10",
        "--workers",
        "1",
        "--generation-database",
        "none",
        "--no-color",
        "--report",
        "junit",
        "--report-dir",
        str(tmp_path),
    ]
    run = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "No issues found" in run.stdout
