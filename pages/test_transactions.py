"""Test transactions: run the acceptance suite or single calls against a merchant's account, and browse the runs."""

import pandas as pd
import streamlit as st

from onboarding.core.errors import DomainError
from onboarding.core.i18n import translate
from onboarding.gateway import acceptance, codes, credentials, notifications, runs, verification
from onboarding.gateway.simulator.rules import RULE_KEYS
from onboarding.process import merchants
from ui import observatory
from ui.context import current_actor, db, flash, language, show_error, show_flash, t
from ui.text import inert, inert_params, plain, plain_frame

VERDICT_ICONS = {
    "passed": ":green[:material/check_circle:]",
    "failed": ":red[:material/cancel:]",
    "error": ":orange[:material/gpp_maybe:]",
    "unavailable": ":orange[:material/cloud_off:]",
    "skipped": ":gray[:material/skip_next:]",
    "running": ":blue[:material/hourglass_top:]",
}
SANDBOX_OPERATIONS = verification.OPERATIONS
PRODUCTION_OPERATIONS = ("query", "refund_query", "capture_query", "void_query")

actor = current_actor()
st.title(t("nav.test_transactions"))
if actor is None or not actor.is_staff:
    st.warning(t("gateway.page.staff_only"), icon=":material/block:")
    st.stop()
show_flash()


def _detail_text(detail: dict, markdown: bool = True) -> str:
    """A stored verdict detail in the page's language (codes get their plain words).

    Its parameters can hold what a gateway answered or an address someone typed: plain text in Markdown.
    """
    params = dict(detail.get("params") or {})
    if "code" in params:
        params["words"] = codes.explain(str(params["code"]), language())
    if markdown:
        params = inert_params(**params)
    return translate(detail.get("key", ""), language(), **params) if detail.get("key") else ""


def _attempt(action, success_key: str | None = None, **kwargs):
    """Call a domain action; show the person's message on failure, never a traceback."""
    try:
        with db() as session:
            outcome = action(session, actor, **kwargs)
    except DomainError as error:
        show_error(error)
        return None
    if success_key:
        flash(t(success_key))
    return outcome


def _show_exchanges(exchanges: list[dict]) -> None:
    for number, exchange in enumerate(exchanges, start=1):
        path, status = inert(exchange.get("path", "")), inert(exchange.get("http_status") or "—")
        st.markdown(f"**{number}. {path}** · HTTP {status}")
        left, right = st.columns(2)
        left.caption(t("gateway.page.request"))
        left.json(exchange.get("request") or {}, expanded=False)
        right.caption(t("gateway.page.response"))
        right.json(exchange.get("response") or {}, expanded=False)


def _show_case(case) -> None:
    icon = VERDICT_ICONS.get(case.verdict, "")
    title = t(f"gateway.case.{case.case_key}") if len(case.case_key) == 1 else t(f"gateway.kind.{case.case_key}")
    with st.expander(f"{icon} {title} — {t(f'gateway.verdict_name.{case.verdict}')} · {case.duration_ms} ms"):
        st.write(_detail_text(runs.detail_of(case)))
        _show_exchanges(runs.exchanges_of(case))


def _show_outcome(outcome) -> None:
    if outcome is None:
        return
    result = outcome.result
    box = st.success if outcome.passed else st.error
    box(_detail_text(outcome.detail), icon=":material/check_circle:" if outcome.passed else ":material/cancel:")
    if result is not None:
        st.caption(inert(f"{result.result_code}: {result.words(language())}"))
        _show_exchanges([runs.exchange_record(result.exchange)])


with db() as session:
    rows = merchants.pipeline(session, actor, per_page=None, sort="name", descending=False).rows
if not rows:
    st.info(t("merchant.none_yet"), icon=":material/storefront:")
    st.stop()
names = {row["id"]: row["name"] for row in rows}
wanted = st.query_params.get("id")
ids = list(names)
index = ids.index(int(wanted)) if wanted and wanted.isdigit() and int(wanted) in names else 0
left, right = st.columns([3, 2])
merchant_id = left.selectbox(
    t("merchant.choose"), ids, index=index, format_func=lambda i: plain(names[i]), key="tt_merchant"
)
environment = right.radio(
    t("gateway.page.environment"),
    credentials.ENVIRONMENTS,
    horizontal=True,
    format_func=lambda e: t(f"gateway.env.{e}"),
    key="tt_environment",
)
st.query_params["id"] = str(merchant_id)

with db() as session:
    merchant = merchants.get_merchant(session, actor, merchant_id)
    stored = credentials.shown(session, actor, merchant_id, environment)
base = runs.base_url(environment)
where = t("gateway.page.embedded") if environment == "sandbox" and runs.is_embedded_simulator() else base
if stored:
    account = t("gateway.page.account", acc_id=stored.acc_id)
elif environment == "sandbox" and merchant.sandbox_account == "public":
    account = t("gateway.page.public_account", acc_id=credentials.PUBLIC_ACCOUNT_A.acc_id)
else:
    account = t("gateway.page.no_account")
st.caption(f"{t('gateway.page.target')}: {inert(base)} ({inert(where)}) · {account}")

tab_suite, tab_log, tab_single, tab_credentials, tab_production, tab_notifications, tab_history, tab_rules = st.tabs(
    [
        t("gateway.page.tab_suite"),
        t("observatory.page.tab_log"),
        t("gateway.page.tab_single"),
        t("gateway.page.tab_credentials"),
        t("gateway.page.tab_production"),
        t("gateway.page.tab_notifications"),
        t("gateway.page.tab_history"),
        t("gateway.page.tab_rules"),
    ],
    # ?tab=log opens the request log directly (a link to share, e.g. from the merchant page)
    default=t("observatory.page.tab_log") if st.query_params.get("tab") == "log" else None,
)

with tab_suite:
    cases = acceptance.applicable_cases(merchant)
    st.markdown(t("gateway.page.suite_intro"))
    for case in cases:
        st.markdown(f"- **{case.key}** · {t(f'gateway.case.{case.key}')}")
    if environment == "production":
        st.info(t("gateway.page.suite_sandbox_only"), icon=":material/lock:")
    elif st.button(t("gateway.page.run_suite"), type="primary", icon=":material/play_arrow:", key="tt_run_suite"):
        status = st.status(t("gateway.page.suite_running", count=len(cases)), expanded=True)
        bar = status.progress(0.0)

        def progress(done: int, total: int, key: str, case) -> None:
            bar.progress(done / total if total else 1.0, text=t("gateway.page.suite_progress", done=done, total=total))
            if case is not None:
                status.write(
                    f"{VERDICT_ICONS.get(case.verdict, '')} **{key}** · {t(f'gateway.case.{key}')} — "
                    f"{t(f'gateway.verdict_name.{case.verdict}')} ({case.duration_ms} ms)"
                )

        run = _attempt(acceptance.run_suite, merchant_id=merchant_id, on_progress=progress)
        if run is None:
            status.update(label=t("gateway.page.suite_not_run"), state="error")
        else:
            state = "complete" if run.status == "passed" else "error"
            status.update(label=t(f"gateway.page.suite_{run.status}"), state=state)
            st.session_state["tt_open_run"] = run.id
    opened = st.session_state.get("tt_open_run")
    if opened:
        with db() as session:
            view = runs.run_view(session, actor, opened)
        if view.run.merchant_id == merchant_id and view.run.kind == "acceptance":
            result_box = st.container(key="tt_suite_result")
            result_box.subheader(t("gateway.page.run_title", id=view.run.id))
            result_box.dataframe(
                plain_frame(
                    pd.DataFrame(
                        [
                            {
                                "case": case.case_key,
                                "title": t(f"gateway.case.{case.case_key}"),
                                "verdict": t(f"gateway.verdict_name.{case.verdict}"),
                                "detail": _detail_text(runs.detail_of(case), markdown=False),
                                "ms": case.duration_ms,
                            }
                            for case in view.cases
                        ]
                    )
                ),
                hide_index=True,
                key="tt_suite_table",
                column_config={
                    "case": t("gateway.page.col_case"),
                    "title": t("gateway.page.col_title"),
                    "verdict": t("gateway.page.col_verdict"),
                    "detail": t("gateway.page.col_detail"),
                    "ms": t("gateway.page.col_ms"),
                },
            )
            for case in view.cases:
                _show_case(case)

with tab_log:
    observatory.render_accounts(actor, merchant_id, "tt_obs")
    observatory.render_coverage(actor, merchant_id, "tt_obs", own=False)
    observatory.render_request_log(actor, merchant_id, "tt_obs", own=False)

with tab_single:
    allowed = PRODUCTION_OPERATIONS if environment == "production" else SANDBOX_OPERATIONS
    if environment == "production":
        st.info(t("gateway.page.production_queries_only"), icon=":material/lock:")
    operation = st.selectbox(
        t("gateway.page.operation"), allowed, format_func=lambda o: t(f"gateway.kind.{o}"), key="tt_operation"
    )
    with st.form("tt_single"):
        values: dict = {}
        if operation in ("payment", "prepay"):
            a, b = st.columns(2)
            values["amount"] = a.text_input(t("gateway.field.amount"), value="1.00")
            values["merchantTransactionId"] = b.text_input(
                t("gateway.field.merchant_transaction_id"), help=t("gateway.page.generated_help")
            )
            values["email"] = a.text_input(
                t("gateway.field.email"), value="shopper@example.com", help=t("gateway.page.email_help")
            )
            values["preauth"] = b.checkbox(t("gateway.field.preauth"))
            if operation == "payment":
                values["card"] = a.text_input(
                    t("gateway.field.card"), value="4111111111111111", help=t("gateway.page.card_help")
                )
                values["country"] = b.text_input(t("gateway.field.country"), value="US", max_chars=2)
                values["state"] = b.text_input(t("gateway.field.state"), value="NY", max_chars=2)
            else:
                values["payResultUrl"] = a.text_input(t("gateway.field.pay_result_url"))
        else:
            values["merchantTransactionId"] = st.text_input(t("gateway.field.merchant_transaction_id"))
            if operation == "query":
                values["transactionId"] = st.text_input(t("gateway.field.transaction_id"))
            if operation in ("refund", "capture", "void"):
                values["amount"] = st.text_input(t("gateway.field.amount"), value="1.00")
            if operation in ("refund", "refund_query"):
                values["merchantRefundId"] = st.text_input(
                    t("gateway.field.merchant_refund_id"), help=t("gateway.page.generated_help")
                )
            if operation == "refund_query":
                values["refundId"] = st.text_input(t("gateway.field.refund_id"))
            if operation in ("capture", "capture_query"):
                values["merchantCaptureId"] = st.text_input(
                    t("gateway.field.merchant_capture_id"), help=t("gateway.page.generated_help")
                )
            if operation in ("void", "void_query"):
                values["merchantVoidId"] = st.text_input(
                    t("gateway.field.merchant_void_id"), help=t("gateway.page.generated_help")
                )
        sent = st.form_submit_button(t("gateway.page.send"), type="primary", icon=":material/send:")
    if sent:
        outcome = _attempt(
            verification.run_single,
            merchant_id=merchant_id,
            environment=environment,
            operation=operation,
            values=values,
        )
        _show_outcome(outcome)
        if outcome is not None and outcome.result is not None:
            url = outcome.result.biz.get("paymentUrl")
            if isinstance(url, str) and url.lower().startswith(("https://", "http://")):
                st.link_button(t("gateway.page.open_checkout"), url, icon=":material/open_in_new:")

with tab_credentials:
    if stored:
        st.markdown(
            t(
                "gateway.page.stored",
                # identifiers are digits and the salt is masked; inside code spans only a backtick could escape
                client_id=stored.client_id,
                acc_id=stored.acc_id,
                salt=stored.masked_salt.replace("`", "'"),
                who=inert(stored.updated_by_name),
                when=stored.updated_at.strftime("%Y-%m-%d %H:%M"),
            )
        )
        if st.button(t("gateway.page.reveal"), icon=":material/visibility:", key="tt_reveal"):
            salt = _attempt(credentials.reveal, merchant_id=merchant_id, environment=environment)
            if salt:
                st.code(salt, language=None)
                st.caption(t("gateway.page.reveal_recorded"))
    else:
        st.info(t("gateway.page.no_stored"), icon=":material/key:")
    with st.form("tt_credentials", clear_on_submit=True):
        st.markdown(t("gateway.page.save_title", environment=t(f"gateway.env.{environment}")))
        a, b = st.columns(2)
        acc_id = a.text_input("accId", value=stored.acc_id if stored else "")
        client_id = b.text_input(
            "clientId", value=stored.client_id if stored else "", help=t("gateway.page.client_help")
        )
        salt = st.text_input(
            t("gateway.field.salt"), type="password", help=t("gateway.page.salt_keep_help") if stored else None
        )
        if st.form_submit_button(t("gateway.page.save"), type="primary", icon=":material/save:"):
            if _attempt(
                credentials.save,
                "gateway.flash.saved",
                merchant_id=merchant_id,
                environment=environment,
                client_id=client_id,
                acc_id=acc_id,
                salt=salt,
            ):
                st.rerun()
    if environment == "sandbox":
        a, b = st.columns(2)
        if a.button(t("gateway.page.check_credentials"), icon=":material/verified:", key="tt_check_credentials"):
            _show_outcome(_attempt(verification.check_sandbox_credentials, merchant_id=merchant_id))
        if stored and runs.is_embedded_simulator():
            if b.button(
                t("gateway.page.register"),
                icon=":material/app_registration:",
                key="tt_register",
                help=t("gateway.page.register_help"),
            ):
                if _attempt(verification.register_with_simulator, "gateway.flash.registered", merchant_id=merchant_id):
                    st.rerun()

with tab_production:
    st.markdown(t("gateway.page.production_intro"))
    with st.form("tt_real"):
        transaction_id = st.text_input(t("gateway.field.transaction_id"), help=t("gateway.page.real_help"))
        if st.form_submit_button(t("gateway.page.verify_real"), type="primary", icon=":material/paid:"):
            _show_outcome(
                _attempt(verification.verify_real_transaction, merchant_id=merchant_id, transaction_id=transaction_id)
            )
    with db() as session:
        previous = verification.last_real_transaction(session, actor, merchant_id)
    with st.form("tt_refund"):
        mtid = st.text_input(t("gateway.field.merchant_transaction_id"), value=previous or "")
        a, b = st.columns(2)
        merchant_refund_id = a.text_input(t("gateway.field.merchant_refund_id"))
        refund_id = b.text_input(t("gateway.field.refund_id"))
        if st.form_submit_button(t("gateway.page.verify_refund"), icon=":material/currency_exchange:"):
            _show_outcome(
                _attempt(
                    verification.verify_merchant_refund,
                    merchant_id=merchant_id,
                    merchant_transaction_id=mtid,
                    merchant_refund_id=merchant_refund_id,
                    refund_id=refund_id,
                )
            )
    with st.form("tt_link"):
        link = st.text_input(t("gateway.field.product_link"), help=t("gateway.page.link_help"))
        if st.form_submit_button(t("gateway.page.check_link"), icon=":material/link:"):
            _show_outcome(_attempt(verification.check_product_link, merchant_id=merchant_id, url=link))

with tab_notifications:
    st.markdown(t("gateway.page.notify_intro", url=runs.notify_url()))
    with st.form("tt_endpoint"):
        endpoint = st.text_input(t("gateway.field.notification_url"), placeholder="https://shop.example.com/pingpong")
        if st.form_submit_button(t("gateway.page.check_endpoint"), icon=":material/webhook:"):
            _show_outcome(_attempt(verification.check_notification_endpoint, merchant_id=merchant_id, url=endpoint))
    with db() as session:
        received = notifications.received_for(session, merchant_id)
    if received:
        st.dataframe(
            plain_frame(
                pd.DataFrame(
                    [
                        {
                            "when": row.received_at,
                            "type": row.notify_type,
                            "order": row.merchant_transaction_id,
                            "status": row.status,
                            "times": row.times_received,
                        }
                        for row in received
                    ]
                )
            ),
            hide_index=True,
            column_config={
                "when": st.column_config.DatetimeColumn(t("history.when"), format="YYYY-MM-DD HH:mm:ss"),
                "type": t("gateway.page.col_type"),
                "order": "merchantTransactionId",
                "status": t("gateway.page.col_status"),
                "times": t("gateway.page.col_times"),
            },
        )
    else:
        st.caption(t("gateway.page.no_notifications"))

with tab_history:
    with db() as session:
        history_rows = runs.runs_for(session, actor, merchant_id)
    if not history_rows:
        st.info(t("gateway.page.no_runs"), icon=":material/history:")
    else:
        st.dataframe(
            plain_frame(
                pd.DataFrame(
                    [
                        {
                            "id": run.id,
                            "when": run.started_at,
                            "kind": t(f"gateway.kind.{run.kind}"),
                            "environment": t(f"gateway.env.{run.environment}"),
                            "status": t(f"gateway.verdict_name.{run.status}"),
                            "who": run.actor_name,
                            "summary": run.summary or "",
                        }
                        for run in history_rows
                    ]
                )
            ),
            hide_index=True,
            key="tt_history",
            column_config={
                "id": "#",
                "when": st.column_config.DatetimeColumn(t("history.when"), format="YYYY-MM-DD HH:mm:ss"),
                "kind": t("gateway.page.col_kind"),
                "environment": t("gateway.page.environment"),
                "status": t("gateway.page.col_status"),
                "who": t("history.who"),
                "summary": t("gateway.page.col_detail"),
            },
        )
        chosen = st.selectbox(
            t("gateway.page.open_run"),
            [run.id for run in history_rows],
            format_func=lambda run_id: f"#{run_id}",
            key=f"tt_history_run_{history_rows[0].id}",
        )
        if chosen:
            with db() as session:
                view = runs.run_view(session, actor, chosen)
            for case in view.cases:
                _show_case(case)

with tab_rules:
    st.markdown(t("gateway.page.rules_intro"))
    for key in RULE_KEYS:
        st.markdown(f"- {t(f'gateway.rules.{key}')}")
    st.caption(t("gateway.page.settings_hint"))
