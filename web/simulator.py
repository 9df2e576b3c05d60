"""The simulator over HTTP: the API paths, hosted checkout, JS-SDK stand-in, 3-D Secure and APM pages."""

import html
import json
import re
from contextlib import asynccontextmanager
from decimal import Decimal
from urllib.parse import urlencode, urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from onboarding.core import clock, database
from onboarding.core.i18n import translate
from onboarding.gateway import client as api
from onboarding.gateway import runs
from onboarding.gateway.simulator import delivery, engine, rules
from web import bodies

MAX_BODY = 1024 * 1024
FORM_LIMIT = 16 * 1024
TOKEN = re.compile(r"^[0-9a-f]{32}$")


def _base_url(request: Request) -> str:
    """Where this simulator is reachable, as the caller sees it (mount prefix included)."""
    root = request.scope.get("root_path", "")
    return f"{request.url.scheme}://{request.url.netloc}{root}".rstrip("/")


def _source(request: Request) -> tuple[str, int | None]:
    """Who is calling: the app's own runs carry a mark only the app can make; everyone else is the merchant."""
    run = runs.run_of_marker(request.headers.get(runs.RUN_HEADER))
    return ("merchant", None) if run is None else ("app", run or None)


def _handle(path: str, body: object, base_url: str, source: str, run_id: int | None) -> dict:
    with database.session() as session:
        answer = engine.handle(session, path, body, base_url, source, run_id)
    delivery.ensure_worker()
    return answer


def api_endpoint(path: str):
    async def endpoint(request: Request) -> Response:
        try:
            raw = await bodies.read(request, MAX_BODY)
        except bodies.BodyTooLarge:
            return JSONResponse(engine.unsigned_reply({}, "102000", "the body is larger than 1 MB"), status_code=413)
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = None
        source, run_id = _source(request)
        return JSONResponse(await run_in_threadpool(_handle, path, body, _base_url(request), source, run_id))

    endpoint.__name__ = "sim_" + path.strip("/").replace("/", "_")
    return endpoint


def _language(txn) -> str:
    try:
        return "zh" if str(json.loads(txn.request).get("language", "")).lower().startswith("zh") else "en"
    except (TypeError, ValueError, AttributeError):
        return "en"


def _page(language: str, title: str, body: str, status: int = 200) -> HTMLResponse:
    style = (
        "body{font-family:system-ui,sans-serif;max-width:460px;margin:40px auto;padding:0 16px;color:#1f2a44}"
        "label{display:block;margin:10px 0 4px;font-size:14px}input{width:100%;padding:8px;box-sizing:border-box}"
        "button,.button{display:inline-block;margin-top:16px;padding:10px 18px;background:#2f6fed;color:#fff;"
        "border:0;border-radius:6px;text-decoration:none}.secondary{background:#6b7487}"
        ".note{color:#4d5566;font-size:13px}.banner{background:#fff4e0;padding:8px;border-radius:6px;"
        "font-size:13px}.url{word-break:break-all;font-family:monospace;font-size:13px}"
    )
    return HTMLResponse(
        f"<!doctype html><html lang='{language}'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<meta name='referrer' content='no-referrer'><title>{html.escape(title)}</title>"
        f"<style>{style}</style></head><body><p class='banner'>{html.escape(translate('gateway.sim.banner', language))}"
        f"</p><h1>{html.escape(title)}</h1>{body}</body></html>",
        status_code=status,
    )


def _result_page(txn, language: str) -> Response:
    """The payment's result; the shop's payResultUrl is named and linked, never followed automatically."""
    text = translate("gateway.sim.result", language, status=txn.status, id=txn.merchant_transaction_id)
    body = f"<p>{html.escape(text)}</p>"
    target = txn.pay_result_url or ""
    parts = urlsplit(target) if target else None
    if parts is not None and parts.scheme in ("http", "https") and parts.hostname:
        separator = "&" if "?" in target else "?"
        query = urlencode({"merchantTransactionId": txn.merchant_transaction_id, "status": txn.status})
        destination = f"{target}{separator}{query}"
        body += (
            f"<p>{html.escape(translate('observatory.sim.return_to', language, host=parts.hostname))}</p>"
            f"<p class='url'>{html.escape(destination)}</p>"
            f"<a class='button' rel='noopener noreferrer' href='{html.escape(destination, quote=True)}'>"
            f"{html.escape(translate('observatory.sim.continue', language, host=parts.hostname))}</a>"
        )
    return _page(language, translate("gateway.sim.result_title", language), body)


def _load(token: str):
    with database.session() as session:
        return engine.by_token(session, token)


def _not_found() -> Response:
    return _page("en", translate("gateway.sim.not_found", "en"), "", status=404)


async def checkout(request: Request) -> Response:
    """GET shows the hosted checkout for a prePay order; POST pays it with the rules of unifiedPay."""
    token = request.query_params.get("token", "")
    txn = await run_in_threadpool(_load, token)
    if txn is None or txn.kind != "prepay":
        return _not_found()
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
            return _redirect(engine.challenge_url(_base_url(request), txn))
        if txn.status not in ("FAILED", "INIT"):
            return _result_page(txn, language)
        shown = txn.result_code if txn.status == "FAILED" else "102000"
        error = f"<p class='banner'>{html.escape(engine.description(shown))}</p>"
    amount = f"{Decimal(txn.amount):.2f} {txn.currency}"
    cancel = ""
    if txn.pay_cancel_url and urlsplit(txn.pay_cancel_url).scheme in ("http", "https"):
        host = urlsplit(txn.pay_cancel_url).hostname or ""
        label = html.escape(translate("observatory.sim.cancel_to", language, host=host))
        cancel = f"<p><a rel='noopener noreferrer' href='{html.escape(txn.pay_cancel_url, quote=True)}'>{label}</a></p>"
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


def _redirect(url: str) -> Response:
    # only ever to the simulator's own pages (the 3-D Secure challenge), never to an address a caller chose
    return Response(status_code=303, headers={"Location": url})


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
        return _not_found()
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


def _decide_apm(token: str, approved: bool):
    with database.session() as session:
        txn = engine.by_token(session, token)
        if txn is not None:
            txn = engine.complete_apm(session, txn, approved)
    delivery.ensure_worker()
    return txn


async def apm(request: Request) -> Response:
    """The alternative payment method's page (redirect or QR target): the tester approves or declines."""
    token = request.path_params["token"]
    txn = await run_in_threadpool(_load, token)
    if txn is None or not txn.payment_type:
        return _not_found()
    language = _language(txn)
    if request.method == "POST":
        form = await bodies.form(request, FORM_LIMIT)
        txn = await run_in_threadpool(_decide_apm, token, form.get("decision") == "approve")
        return _result_page(txn, language)
    if txn.status != "PROCESSING":
        return _result_page(txn, language)
    t = lambda key, **params: html.escape(translate(key, language, **params))  # noqa: E731
    amount = f"{Decimal(txn.amount):.2f} {txn.currency}"
    body = (
        f"<p>{t('observatory.sim.apm_text', method=txn.payment_type)}</p>"
        f"<p>{t('gateway.sim.order')}: <b>{html.escape(txn.merchant_transaction_id)}</b> · {html.escape(amount)}</p>"
        "<form method='post'>"
        f"<button type='submit' name='decision' value='approve'>{t('observatory.sim.approve')}</button> "
        f"<button type='submit' name='decision' value='decline' class='secondary'>{t('observatory.sim.decline')}"
        "</button></form>"
    )
    return _page(language, translate("observatory.sim.apm_title", language), body)


SDK_STAND_IN = """/* PingPong Checkout sandbox simulator: a stand-in for the JS-SDK (ppPay). No real card is charged. */
(function () {
  var base = %(base)s;
  var scriptToken = %(token)s;
  function ppPay(conf) { this.conf = conf || {}; }
  ppPay.prototype.createPayment = function (token) {
    var chosen = token || scriptToken;
    if (!chosen) { throw new Error("ppPay.createPayment needs the token that prePay returned"); }
    window.location.href = base + "/checkout?token=" + encodeURIComponent(chosen);
  };
  ppPay.prototype.actionPayment = function (callback) {
    if (typeof callback === "function") { callback({ status: "PROCESSING" }); }
    this.createPayment(scriptToken);
  };
  window.ppPay = ppPay;
})();
"""


async def checkout_js(request: Request) -> Response:
    """The innerJsUrl of prePay: `new ppPay(conf).createPayment(token)` opens the hosted checkout."""
    token = request.query_params.get("token", "")
    script = SDK_STAND_IN % {
        "base": json.dumps(_base_url(request)),
        "token": json.dumps(token if TOKEN.match(token) else ""),
    }
    return Response(
        script,
        media_type="application/javascript",
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"},
    )


async def index(_request: Request) -> JSONResponse:
    """What this is, for a person who opens /sandbox in a browser."""
    return JSONResponse({"simulator": "PingPong Checkout v4 sandbox simulator", "paths": list(api.ALL_PATHS)})


def routes() -> list[Route]:
    """The simulator's routes, relative to where it is mounted."""
    return [
        Route("/", index, methods=["GET"]),
        *[Route(path, api_endpoint(path), methods=["POST"]) for path in api.ALL_PATHS],
        Route("/checkout", checkout, methods=["GET", "POST"]),
        Route("/checkout.js", checkout_js, methods=["GET"]),
        Route("/threeds/{token}", threeds, methods=["GET", "POST"]),
        Route("/apm/{token}", apm, methods=["GET", "POST"]),
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
