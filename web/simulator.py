"""The simulator over HTTP: the gateway's API paths, the hosted checkout page and the 3-D Secure challenge."""

import html
import json
from contextlib import asynccontextmanager
from decimal import Decimal
from urllib.parse import urlencode, urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from onboarding.core import clock, database
from onboarding.core.i18n import translate
from onboarding.gateway import client as api
from onboarding.gateway.simulator import delivery, engine, rules
from web import bodies

MAX_BODY = 1024 * 1024
FORM_LIMIT = 16 * 1024


def _base_url(request: Request) -> str:
    """Where this simulator is reachable, as the caller sees it (mount prefix included)."""
    root = request.scope.get("root_path", "")
    return f"{request.url.scheme}://{request.url.netloc}{root}".rstrip("/")


def _handle(path: str, body: object, base_url: str) -> dict:
    with database.session() as session:
        answer = engine.handle(session, path, body, base_url)
    delivery.ensure_worker()
    return answer


def api_endpoint(path: str):
    async def endpoint(request: Request) -> Response:
        try:
            raw = await bodies.read(request, MAX_BODY)
        except bodies.BodyTooLarge:
            return JSONResponse(engine.unsigned_reply({}, "102000"), status_code=413)
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = None
        return JSONResponse(await run_in_threadpool(_handle, path, body, _base_url(request)))

    endpoint.__name__ = "sim_" + path.strip("/").replace("/", "_")
    return endpoint


def _language(txn) -> str:
    try:
        return "zh" if str(json.loads(txn.request).get("language", "")).lower().startswith("zh") else "en"
    except (TypeError, ValueError):
        return "en"


def _page(language: str, title: str, body: str, status: int = 200) -> HTMLResponse:
    style = (
        "body{font-family:system-ui,sans-serif;max-width:460px;margin:40px auto;padding:0 16px;color:#1f2a44}"
        "label{display:block;margin:10px 0 4px;font-size:14px}input{width:100%;padding:8px;box-sizing:border-box}"
        "button{margin-top:16px;padding:10px 18px;background:#2f6fed;color:#fff;border:0;border-radius:6px}"
        ".note{color:#6b7487;font-size:13px}.banner{background:#fff4e0;padding:8px;border-radius:6px;"
        "font-size:13px}"
    )
    return HTMLResponse(
        f"<!doctype html><html lang='{language}'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{style}</style></head><body><p class='banner'>{html.escape(translate('gateway.sim.banner', language))}"
        f"</p><h1>{html.escape(title)}</h1>{body}</body></html>",
        status_code=status,
    )


def _result_page(txn, language: str) -> Response:
    if txn.pay_result_url and urlsplit(txn.pay_result_url).scheme in ("http", "https"):
        separator = "&" if "?" in txn.pay_result_url else "?"
        query = urlencode({"merchantTransactionId": txn.merchant_transaction_id, "status": txn.status})
        return RedirectResponse(f"{txn.pay_result_url}{separator}{query}", status_code=303)
    text = translate("gateway.sim.result", language, status=txn.status, id=txn.merchant_transaction_id)
    return _page(language, translate("gateway.sim.result_title", language), f"<p>{html.escape(text)}</p>")


def _load(token: str):
    with database.session() as session:
        return engine.by_token(session, token)


async def checkout(request: Request) -> Response:
    """GET shows the hosted checkout for a prePay order; POST pays it with the rules of unifiedPay."""
    token = request.query_params.get("token", "")
    txn = await run_in_threadpool(_load, token)
    if txn is None or txn.kind != "prepay":
        return _page("en", translate("gateway.sim.not_found", "en"), "", status=404)
    language = _language(txn)
    if engine.checkout_expired(txn, clock.now()):
        return _page(language, translate("gateway.sim.expired", language), "", status=410)
    if txn.status not in ("INIT", "FAILED"):
        return _result_page(txn, language)
    error = ""
    if request.method == "POST":
        form = await bodies.form(request, FORM_LIMIT)
        card = {"number": str(form.get("number", ""))}
        email = str(form.get("email", ""))
        txn = await run_in_threadpool(_pay, txn.id, card, email, _base_url(request))
        if txn.status == "PROCESSING":
            return RedirectResponse(engine.challenge_url(_base_url(request), txn), status_code=303)
        if txn.status not in ("FAILED", "INIT"):
            return _result_page(txn, language)
        shown = txn.result_code if txn.status == "FAILED" else "102000"
        error = f"<p class='banner'>{html.escape(engine.description(shown))}</p>"
    amount = f"{Decimal(txn.amount):.2f} {txn.currency}"
    cancel = ""
    if txn.pay_cancel_url and urlsplit(txn.pay_cancel_url).scheme in ("http", "https"):
        label = html.escape(translate("gateway.sim.cancel", language))
        cancel = f"<p><a href='{html.escape(txn.pay_cancel_url)}'>{label}</a></p>"
    t = lambda key: html.escape(translate(key, language))  # noqa: E731
    form_html = (
        f"{error}<p>{t('gateway.sim.order')}: <b>{html.escape(txn.merchant_transaction_id)}</b>"
        f" · {html.escape(amount)}</p>"
        f"<form method='post'><label>{t('gateway.sim.card_number')}</label>"
        f"<input name='number' value='4111111111111111' autocomplete='off'>"
        f"<label>{t('gateway.sim.expiry')}</label><input name='expiry' value='12/30'>"
        f"<label>CVV</label><input name='cvv' value='333' autocomplete='off'>"
        f"<label>{t('gateway.sim.email')}</label><input name='email' value='shopper@example.com'>"
        f"<button type='submit'>{t('gateway.sim.pay')}</button></form>"
        f"<p class='note'>{t('gateway.sim.cards_hint')}</p>{cancel}"
    )
    return _page(language, translate("gateway.sim.checkout_title", language), form_html)


def _pay(txn_id: int, card: dict, email: str, base_url: str):
    from models.gateway import SimTransaction

    with database.session() as session:
        txn = session.get(SimTransaction, txn_id)
        txn = engine.pay_on_checkout(session, txn, card, email, base_url)
    delivery.ensure_worker()
    return txn


def _challenge(token: str, code: str, base_url: str):
    with database.session() as session:
        txn = engine.by_token(session, token)
        if txn is not None:
            txn = engine.complete_challenge(session, txn, code, base_url)
    delivery.ensure_worker()
    return txn


async def threeds(request: Request) -> Response:
    """The 3-D Secure challenge page: the code 1234 completes the payment."""
    token = request.path_params["token"]
    txn = await run_in_threadpool(_load, token)
    if txn is None or not txn.three_ds:
        return _page("en", translate("gateway.sim.not_found", "en"), "", status=404)
    language = _language(txn)
    if request.method == "POST":
        form = await bodies.form(request, FORM_LIMIT)
        txn = await run_in_threadpool(_challenge, token, str(form.get("code", "")), _base_url(request))
        return _result_page(txn, language)
    if txn.status != "PROCESSING":
        return _result_page(txn, language)
    t = lambda key: html.escape(translate(key, language))  # noqa: E731
    hint = html.escape(translate("gateway.sim.code_hint", language, code=rules.THREE_DS_CODE))
    body = (
        f"<p>{t('gateway.sim.challenge_text')}</p><form method='post'><label>{t('gateway.sim.code')}</label>"
        f"<input name='code' autocomplete='one-time-code'><button type='submit'>{t('gateway.sim.confirm')}"
        f"</button></form><p class='note'>{hint}</p>"
    )
    return _page(language, translate("gateway.sim.challenge_title", language), body)


async def index(_request: Request) -> JSONResponse:
    """What this is, for a person who opens /sandbox in a browser."""
    return JSONResponse({"simulator": "PingPong Checkout v4 sandbox simulator", "paths": list(api.ALL_PATHS)})


def routes() -> list[Route]:
    """The simulator's routes, relative to where it is mounted."""
    return [
        Route("/", index, methods=["GET"]),
        *[Route(path, api_endpoint(path), methods=["POST"]) for path in api.ALL_PATHS],
        Route("/checkout", checkout, methods=["GET", "POST"]),
        Route("/threeds/{token}", threeds, methods=["GET", "POST"]),
    ]


def create_app() -> Starlette:
    """The simulator as its own ASGI app (mounted under /sandbox, or served alone)."""

    @asynccontextmanager
    async def lifespan(_app):
        # pending notifications of an earlier run resume at once
        delivery.ensure_worker()
        yield

    from web import exception_handlers, middleware

    # served alone (python -m onboarding simulator) it needs the same guards as the app it is mounted in
    return Starlette(
        routes=routes(), lifespan=lifespan, middleware=middleware(), exception_handlers=exception_handlers()
    )
