"""Gateway test runs: where calls go, what is kept of them (cards masked, never a CVV), and their history."""

import hashlib
import hmac
import json
from dataclasses import dataclass

from sqlmodel import Session, col, select

from models import Merchant
from models.gateway import GatewayCase, GatewayRun
from onboarding.core import clock
from onboarding.core.access import Actor, require_merchant_access, require_staff
from onboarding.core.config import get_settings
from onboarding.core.errors import NotFound, ValidationError
from onboarding.gateway.client import Exchange, GatewayClient
from onboarding.gateway.credentials import Credentials, derived_key
from onboarding.process import history

NOTIFY_PATH = "/api/pingpong/notify"  # the app's own receiver of gateway notifications
# The header that marks the app's own sandbox calls, so the request log keeps them apart from the merchant's.
RUN_HEADER = "X-Onboarding-Run"

RUN_STATUSES = ("running", "passed", "failed", "error", "unavailable")
VERDICTS = ("passed", "failed", "error", "unavailable", "skipped")
CARD_KEYS = ("number", "cardNumber", "pan")
SECRET_KEYS = ("cvv", "cvc", "cvv2", "cvc2", "securitycode", "pin", "salt")


def base_url(environment: str) -> str:
    """Where calls for `environment` go: the sandbox setting (default the embedded simulator) or production."""
    settings = get_settings()
    if environment == "production":
        return settings.pingpong_production_base_url.rstrip("/")
    if environment == "sandbox":
        return settings.sandbox_base_url.rstrip("/")
    raise ValidationError("gateway.error.bad_environment")


def is_embedded_simulator() -> bool:
    """Whether sandbox calls go to the simulator inside this app."""
    return get_settings().embedded_simulator


def notify_url() -> str:
    """The app's own notification receiver, as the gateway should call it."""
    return f"{get_settings().public_url}{NOTIFY_PATH}"


def client_for(credentials: Credentials, environment: str, run_id: int | None = None) -> GatewayClient:
    """A client for `environment` with the configured timeout (production refuses all but queries).

    Sandbox calls carry the app's mark (with the run, when there is one): they are "run by support".
    """
    headers = {RUN_HEADER: run_marker(run_id)} if environment == "sandbox" else None
    return GatewayClient(
        base_url(environment),
        credentials,
        environment=environment,
        timeout=get_settings().pingpong_timeout_seconds,
        headers=headers,
    )


def _marker_digest(run: str) -> str:
    return hmac.new(derived_key("sandbox-run-marker"), run.encode("ascii"), hashlib.sha256).hexdigest()[:32]


def run_marker(run_id: int | None) -> str:
    """The header value that proves a sandbox call is the app's own (run 0: a call outside a run)."""
    run = str(run_id or 0)
    return f"{run}.{_marker_digest(run)}"


def run_of_marker(value: str | None) -> int | None:
    """The run a marker names (0 for the app's calls outside a run), or None when it is absent or forged."""
    run, _, digest = (value or "").partition(".")
    if not run.isdigit() or len(run) > 18 or not hmac.compare_digest(_marker_digest(run), digest):
        return None
    return int(run)


def mask_card(number: str) -> str:
    """A card number as it may be kept: first six and last four digits."""
    digits = "".join(ch for ch in str(number) if ch.isdigit())
    if len(digits) < 10:
        return "*" * len(digits)
    return f"{digits[:6]}{'*' * (len(digits) - 10)}{digits[-4:]}"


def redact(value):
    """A copy with card numbers masked and CVV, PIN and salt removed, at any depth."""
    if isinstance(value, dict):
        return {
            key: (mask_card(item) if key in CARD_KEYS and isinstance(item, (str, int)) else redact(item))
            for key, item in value.items()
            if key.lower() not in SECRET_KEYS
        }
    if isinstance(value, list):
        return [redact(item) for item in value]
    return value


def _biz(text) -> object:
    try:
        return json.loads(text) if isinstance(text, str) and text else text
    except ValueError:
        return text


def exchange_record(exchange: Exchange | None) -> dict:
    """One round trip as it is stored and shown: bizContent parsed and redacted on both sides."""
    if exchange is None:
        return {}
    request = {key: value for key, value in exchange.request.items() if key != "bizContent"}
    request["bizContent"] = redact(_biz(exchange.request.get("bizContent")))
    response = None
    if exchange.response is not None:
        response = {key: value for key, value in exchange.response.items() if key != "bizContent"}
        response["bizContent"] = redact(_biz(exchange.response.get("bizContent")))
    return {
        "path": exchange.path,
        "request": request,
        "response": response,
        "http_status": exchange.http_status,
        "elapsed_ms": exchange.elapsed_ms,
    }


def start(
    session: Session, actor: Actor, merchant_id: int, environment: str, kind: str, acc_id: str | None
) -> GatewayRun:
    """Open a run (committed at once, so a crash leaves a visible 'running' row)."""
    require_staff(actor)
    require_merchant_access(actor, merchant_id)
    if session.get(Merchant, merchant_id) is None:
        raise NotFound("error.merchant_not_found")
    run = GatewayRun(
        merchant_id=merchant_id,
        environment=environment,
        kind=kind,
        status="running",
        base_url=base_url(environment),
        acc_id=acc_id,
        actor_id=actor.id,
        actor_name=actor.name,
        started_at=clock.now(),
    )
    session.add(run)
    session.commit()
    return run


def add_case(
    session: Session,
    run: GatewayRun,
    position: int,
    case_key: str,
    verdict: str,
    detail: dict,
    exchanges: list[dict],
    merchant_transaction_id: str | None,
    started_at,
    duration_ms: int,
) -> GatewayCase:
    """Keep one case of a run, committed on its own so progress survives anything that follows."""
    case = GatewayCase(
        run_id=run.id,
        position=position,
        case_key=case_key,
        verdict=verdict,
        detail=json.dumps(detail, ensure_ascii=False, default=str),
        exchanges=json.dumps(exchanges, ensure_ascii=False, default=str),
        merchant_transaction_id=merchant_transaction_id,
        started_at=started_at,
        duration_ms=duration_ms,
    )
    session.add(case)
    session.commit()
    return case


def finish(session: Session, actor: Actor, run: GatewayRun, status: str, summary: str, commit: bool = True) -> None:
    """Close a run with its outcome and add it to the merchant's history."""
    run.status, run.summary, run.finished_at = status, summary, clock.now()
    session.add(run)
    history.record(
        session,
        actor,
        "test_run",
        run.merchant_id,
        kind=run.kind,
        environment=run.environment,
        status=status,
        run=run.id,
        summary=summary,
    )
    if commit:
        session.commit()


@dataclass
class RunView:
    """A run with its cases, as the page lists it."""

    run: GatewayRun
    cases: list[GatewayCase]


def runs_for(session: Session, actor: Actor, merchant_id: int, limit: int = 100) -> list[GatewayRun]:
    """The merchant's runs, newest first."""
    require_merchant_access(actor, merchant_id)
    return list(
        session.exec(
            select(GatewayRun)
            .where(GatewayRun.merchant_id == merchant_id)
            .order_by(col(GatewayRun.started_at).desc(), col(GatewayRun.id).desc())
            .limit(limit)
        )
    )


def run_view(session: Session, actor: Actor, run_id: int) -> RunView:
    """One run and its cases in order."""
    run = session.get(GatewayRun, run_id)
    if run is None:
        raise NotFound("gateway.error.run_not_found")
    require_merchant_access(actor, run.merchant_id)
    cases = list(
        session.exec(select(GatewayCase).where(GatewayCase.run_id == run_id).order_by(col(GatewayCase.position)))
    )
    return RunView(run, cases)


def detail_of(case: GatewayCase) -> dict:
    return json.loads(case.detail) if case.detail else {}


def exchanges_of(case: GatewayCase) -> list[dict]:
    return json.loads(case.exchanges) if case.exchanges else []


def merchant_transaction_ids(session: Session, merchant_id: int, limit: int = 200) -> set[str]:
    """Every merchantTransactionId the merchant's recent runs sent (callers check access)."""
    found: set[str] = set()
    rows = session.exec(
        select(GatewayCase.exchanges)
        .join(GatewayRun, col(GatewayRun.id) == GatewayCase.run_id)
        .where(GatewayRun.merchant_id == merchant_id)
        .order_by(col(GatewayCase.id).desc())
        .limit(limit)
    )
    for text in rows:
        for exchange in json.loads(text or "[]"):
            biz = (exchange.get("request") or {}).get("bizContent") if isinstance(exchange, dict) else None
            if isinstance(biz, dict) and biz.get("merchantTransactionId"):
                found.add(str(biz["merchantTransactionId"]))
    return found
