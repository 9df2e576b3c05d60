"""Done when: a client written independently of the app, with a demo merchant's embedded sandbox credentials,
makes payments whose calls appear in that merchant's request log, with the diagnosis and no secret, and credit case A.

Everything runs over real HTTP against the app started by the `server` fixture; the command line prepares the data.
"""

import hashlib
import json
import os
import subprocess
import sys

import httpx
import pytest

from tests.conftest import ROOT

CARD_DECLINED = "5204740000001002"
CVV = "C7V9"


def cli(server, *args: str) -> subprocess.CompletedProcess:
    """`python -m onboarding …` on the server's own data directory."""
    environment = {
        **os.environ,
        "ONBOARDING_DATA_DIR": str(server["data_dir"]),
        "PORT": str(server["port"]),
        "PUBLIC_BASE_URL": server["url"],
    }
    environment.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "onboarding", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    return done


class MerchantClient:
    """The merchant's own integration: plain httpx and hashlib, nothing of the app's code."""

    def __init__(self, base_url: str, acc_id: str, client_id: str, salt: str):
        self.base_url, self.acc_id, self.client_id, self.salt = base_url, acc_id, client_id, salt

    def signature(self, fields: dict) -> str:
        pairs = "&".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "sign" and fields[key])
        return hashlib.sha256((self.salt + pairs).encode("utf-8")).hexdigest().upper()

    def call(self, path: str, biz: dict, forget_version: bool = False) -> tuple[dict, dict]:
        fields = {
            "accId": self.acc_id,
            "clientId": self.client_id,
            "signType": "SHA256",
            "version": "1.0",
            "bizContent": json.dumps(biz),
        }
        # a classic mistake: the signature computed before version was added to the body
        fields["sign"] = self.signature({**fields, "version": ""} if forget_version else fields)
        answer = httpx.post(f"{self.base_url}{path}", json=fields, timeout=15).json()
        if "sign" in answer:
            assert answer["sign"] == self.signature(answer), "the gateway's answer is signed with my salt"
        return answer, json.loads(answer.get("bizContent") or "{}")

    def pay(
        self, order: str, amount: str, card: str = "4111111111111111", forget_version: bool = False, **extra
    ) -> tuple[dict, dict]:
        return self.call(
            "/v4/payment/unifiedPay",
            {
                "merchantTransactionId": order,
                "requestId": f"REQ-{order}",
                "amount": amount,
                "currency": "USD",
                "captureDelayHours": 0,
                "shopperIP": "198.51.100.7",
                "paymentMethod": {
                    "type": "scheme",
                    "cardInfo": {"number": card, "cvv": CVV, "expireMonth": "12", "expireYear": "2030"},
                },
                "customer": {"email": "buyer@example.org"},
                "goods": [{"name": "Tent", "unitPrice": amount, "number": "1", "imgUrl": "https://example.org/t.png"}],
                "billingAddress": {
                    "street": "1 Main St",
                    "postcode": "10001",
                    "city": "NYC",
                    "state": "NY",
                    "country": "US",
                },
                "device": {"orderTerminal": "02"},
                **extra,
            },
            forget_version,
        )


@pytest.fixture
def observed(server):
    """Demo data, an admin's API token and Aurora Outdoor Gear's embedded sandbox credentials, all from the shell."""
    cli(server, "seed-demo")
    token = cli(server, "create-token", "--email", "zhang.min@support.example.com", "--name", "observatory").stdout
    token = token.strip().splitlines()[-1]
    headers = {"Authorization": f"Bearer {token}"}
    found = httpx.get(f"{server['url']}/api/v1/merchants", params={"search": "Aurora"}, headers=headers, timeout=15)
    merchant_id = found.json()["items"][0]["id"]
    printed = cli(server, "sandbox-account", "--merchant", str(merchant_id)).stdout.strip()
    credentials = json.loads(printed)
    assert set(credentials) == {"accId", "clientId", "salt"}
    assert json.loads(cli(server, "sandbox-account", "--merchant", str(merchant_id)).stdout) == credentials
    client = MerchantClient(
        f"{server['url']}/sandbox", credentials["accId"], credentials["clientId"], credentials["salt"]
    )
    return {
        "server": server,
        "headers": headers,
        "merchant_id": merchant_id,
        "credentials": credentials,
        "client": client,
    }


def api(observed, path: str, **params) -> httpx.Response:
    url = f"{observed['server']['url']}/api/v1/merchants/{observed['merchant_id']}{path}"
    return httpx.get(url, params=params, headers=observed["headers"], timeout=15)


def test_an_independent_clients_payments_appear_in_the_merchants_log_with_the_diagnosis_and_no_secret(observed):
    client = observed["client"]
    declined, declined_biz = client.pay("AURORA-DECLINED-1", "9.99", card=CARD_DECLINED)
    assert (declined["code"], declined_biz["status"]) == ("301002", "FAILED")
    refused, _ = client.pay("AURORA-BADSIGN-1", "3.00", forget_version=True)
    assert refused["code"] == "104000" and "sign" not in refused
    authorised, authorised_biz = client.pay("AURORA-AUTH-1", "5.55", captureDelayHours=-1)
    assert authorised_biz["status"] == "AUTH_SUCCESS"
    captured, _ = client.call(
        "/v4/payment/capture",
        {"merchantTransactionId": "AURORA-AUTH-1", "merchantCaptureId": "CAP-1", "amount": "1.25", "currency": "USD"},
    )
    assert captured["code"] == "000000"
    over, over_biz = client.call(
        "/v4/payment/refund",
        {"merchantTransactionId": "AURORA-AUTH-1", "merchantRefundId": "RF-1", "amount": "5.55", "currency": "USD"},
    )
    assert (over["code"], over_biz["status"]) == ("108003", "FAILED")
    _, queried = client.call("/v4/payment/query", {"merchantTransactionId": "AURORA-AUTH-1"})
    assert (queried["status"], queried["amount"]) == ("SUCCESS", "1.250000")

    answer = api(observed, "/sandbox-requests", per_page=50)
    assert answer.status_code == 200
    log = answer.json()
    assert [item["endpoint"] for item in log["items"]] == [
        "/v4/payment/query",
        "/v4/payment/refund",
        "/v4/payment/capture",
        "/v4/payment/unifiedPay",
        "/v4/payment/unifiedPay",
        "/v4/payment/unifiedPay",
    ]
    assert all(item["source"] == "merchant" for item in log["items"])
    by_order = {item["merchant_transaction_id"]: item for item in log["items"] if item["endpoint"].endswith("Pay")}
    bad = by_order["AURORA-BADSIGN-1"]
    assert bad["code"] == "104000" and bad["diagnosis"]["left_out"] == ["version"]
    assert bad["diagnosis"]["string_to_sign"].startswith(f"<salt>accId={observed['credentials']['accId']}&bizContent=")
    assert by_order["AURORA-DECLINED-1"]["code_words"].startswith("the issuer declined")
    assert by_order["AURORA-DECLINED-1"]["request"]["bizContent"]["paymentMethod"]["cardInfo"]["number"] == (
        "520474******1002"
    )
    refund = next(item for item in log["items"] if item["endpoint"] == "/v4/payment/refund")
    assert refund["code"] == "108003" and "1.25 USD" in refund["description"]
    text = answer.text
    salt = observed["credentials"]["salt"]
    assert salt not in text and salt.lower() not in text
    assert CARD_DECLINED not in text and CVV not in text and "4111111111111111" not in text

    cases = {case["key"]: case for case in api(observed, "/acceptance").json()["cases"]}
    assert cases["A"]["seen_in_merchant_traffic"] is True and cases["A"]["run_by_app"] is False
    assert cases["A"]["merchant_traffic"][0]["merchant_transaction_id"] == "AURORA-AUTH-1"
    assert cases["B"]["seen_in_merchant_traffic"] is True
    assert not cases["C"]["seen_in_merchant_traffic"] and not cases["G"]["applies"]


def test_the_apps_own_acceptance_run_is_run_by_support_and_kept_apart(observed, monkeypatch):
    from onboarding.core import database
    from onboarding.core.access import Actor
    from onboarding.core.config import get_settings
    from onboarding.gateway import acceptance, credentials

    server = observed["server"]
    monkeypatch.setenv("ONBOARDING_DATA_DIR", str(server["data_dir"]))
    monkeypatch.setenv("PORT", str(server["port"]))
    monkeypatch.setenv("PUBLIC_BASE_URL", server["url"])
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("PINGPONG_SANDBOX_BASE_URL", raising=False)
    get_settings.cache_clear()
    support = Actor(id=None, name="Li Wei", role="support")
    found = observed["credentials"]
    try:
        with database.session() as session:
            credentials.save(
                session, support, observed["merchant_id"], "sandbox", found["clientId"], found["accId"], found["salt"]
            )
            run = acceptance.run_suite(session, support, observed["merchant_id"])
    finally:
        get_settings.cache_clear()
    assert run.status == "passed"
    app_calls = api(observed, "/sandbox-requests", source="app", per_page=200).json()
    assert app_calls["total"] > 0 and {item["run_id"] for item in app_calls["items"]} == {run.id}
    assert api(observed, "/sandbox-requests", source="merchant").json()["total"] == 0
    cases = {case["key"]: case for case in api(observed, "/acceptance").json()["cases"]}
    assert cases["A"]["run_by_app"] is True and cases["A"]["app_run"]["run_id"] == run.id
    assert cases["A"]["seen_in_merchant_traffic"] is False


def test_the_sandbox_routes_are_in_the_openapi_document_and_answer_errors_as_json(observed):
    server = observed["server"]
    document = httpx.get(f"{server['url']}/api/v1/openapi.json", timeout=15).json()
    assert {"/api/v1/merchants/{merchant_id}/sandbox-requests", "/api/v1/merchants/{merchant_id}/acceptance"} <= set(
        document["paths"]
    )
    assert httpx.get(f"{server['url']}/api/v1/merchants/1/sandbox-requests", timeout=15).status_code == 401
    assert api(observed, "/sandbox-requests", per_page=0).status_code == 400
    assert api(observed, "/sandbox-requests", source="someone").status_code == 400
    for merchant in ("999999", "9" * 30):
        missing = httpx.get(
            f"{server['url']}/api/v1/merchants/{merchant}/acceptance", headers=observed["headers"], timeout=15
        )
        assert missing.status_code == 404 and "error" in missing.json()
    assert api(observed, "/sandbox-requests", page="99999999999999999999").status_code == 400
