"""The integration observatory as pages show it: sandbox credentials, acceptance coverage and the request log."""

import pandas as pd
import streamlit as st

from onboarding.core.access import Actor
from onboarding.core.config import get_settings
from onboarding.core.errors import DomainError
from onboarding.core.i18n import translate
from onboarding.gateway import codes, coverage, request_log, runs, sandbox_accounts
from onboarding.gateway.client import ALL_PATHS
from onboarding.gateway.simulator import delivery
from ui.context import db, language, show_error, t

PER_PAGE = 25
STATE_ICONS = {"delivered": ":green[:material/mark_email_read:]", "pending": ":blue[:material/schedule_send:]"}
STATE_ICONS["gave_up"] = ":red[:material/unsubscribe:]"
FIELD_LABELS = {
    "order": "observatory.field.order",
    "approved_order": "observatory.field.approved_order",
    "rejected_order": "observatory.field.rejected_order",
    "refund": "observatory.field.refund",
    "second_refund": "observatory.field.second_refund",
    "capture": "observatory.field.capture",
}


def _attempt(action, **kwargs):
    """Run a domain action; a person's error is shown, never a traceback."""
    try:
        with db() as session:
            return action(session, **kwargs)
    except DomainError as error:
        show_error(error)
        return None


def sandbox_base_url() -> str:
    """Where a merchant's integration sends its sandbox calls."""
    settings = get_settings()
    if settings.embedded_simulator:
        return f"{settings.public_url}/sandbox"
    return settings.sandbox_base_url


def render_accounts(actor: Actor, merchant_id: int, key: str) -> None:
    """The merchant's sandbox accounts on the embedded simulator: ids, masked salt, reveal, local receiver."""
    st.subheader(t("observatory.page.accounts_title"))
    if not get_settings().pingpong_embedded_simulator:
        st.info(t("observatory.page.simulator_off"), icon=":material/cloud_off:")
        return
    with db() as session:
        accounts = sandbox_accounts.accounts_for(session, actor, merchant_id)
    if not any(account.origin == "embedded" for account in accounts):
        st.caption(t("observatory.page.no_account"))
        if st.button(t("observatory.page.create_account"), icon=":material/add_card:", key=f"{key}_create"):
            if _attempt(sandbox_accounts.ensure_sandbox_account, actor=actor, merchant_id=merchant_id):
                st.rerun()
    for account in accounts:
        with st.container(border=True):
            origin = t(f"observatory.origin.{account.origin}")
            st.markdown(f"**{origin}**")
            left, right = st.columns(2)
            left.text_input("accId", account.acc_id, disabled=True, key=f"{key}_acc_{account.acc_id}")
            right.text_input("clientId", account.client_id, disabled=True, key=f"{key}_client_{account.acc_id}")
            # a row per pair, so a phone stacks them in reading order
            left, right = st.columns(2)
            left.text_input(
                t("gateway.field.salt"), account.masked_salt, disabled=True, key=f"{key}_salt_{account.acc_id}"
            )
            right.text_input(
                t("observatory.page.base_url"), sandbox_base_url(), disabled=True, key=f"{key}_base_{account.acc_id}"
            )
            if st.button(t("gateway.page.reveal"), icon=":material/visibility:", key=f"{key}_reveal_{account.acc_id}"):
                salt = _attempt(
                    sandbox_accounts.reveal_sandbox_salt, actor=actor, merchant_id=merchant_id, acc_id=account.acc_id
                )
                if salt:
                    st.code(salt, language=None)
                    st.caption(t("gateway.page.reveal_recorded"))
            _render_receiver(actor, merchant_id, account, key)


def _render_receiver(actor: Actor, merchant_id: int, account, key: str) -> None:
    if actor.is_admin:
        allowed = st.toggle(
            t("observatory.page.allow_receiver"),
            value=account.local_receiver_allowed,
            key=f"{key}_allow_{account.acc_id}",
            help=t("observatory.page.allow_receiver_help"),
        )
        if allowed != account.local_receiver_allowed:
            if _attempt(
                sandbox_accounts.allow_local_receiver,
                actor=actor,
                merchant_id=merchant_id,
                acc_id=account.acc_id,
                allowed=allowed,
            ):
                st.rerun()
    if not account.local_receiver_allowed:
        if not actor.is_admin:
            st.caption(t("observatory.page.receiver_needs_admin"))
        return
    with st.form(f"{key}_receiver_{account.acc_id}"):
        url = st.text_input(
            t("observatory.page.receiver_url"),
            value=account.local_receiver_url or "",
            placeholder="http://localhost:8000/pingpong/notify",
            help=t("observatory.page.receiver_help"),
        )
        if st.form_submit_button(t("observatory.page.save_receiver"), icon=":material/save:"):
            if _attempt(
                sandbox_accounts.set_local_receiver,
                actor=actor,
                merchant_id=merchant_id,
                acc_id=account.acc_id,
                url=url,
            ):
                st.rerun()


def _evidence_text(items: list[dict]) -> str:
    return ", ".join(str(item.get("transaction_id") or item.get("merchant_transaction_id")) for item in items)


def _app_run_text(run: dict, passed: bool) -> str:
    verdict = t(f"gateway.verdict_name.{run['verdict']}")
    return f"{'✓' if passed else '✗'} #{run['run_id']} {verdict}"


def render_coverage(actor: Actor, merchant_id: int, key: str, own: bool) -> None:
    """Cases A–H: seen in the merchant's own traffic, run by support, verified by query."""
    st.subheader(t("observatory.page.coverage_title"))
    st.caption(t("observatory.page.coverage_intro_own" if own else "observatory.page.coverage_intro"))
    with db() as session:
        cases = coverage.coverage_for(session, actor, merchant_id)
    yes, no = "✓", "—"
    rows = []
    for case in cases:
        run = case.app_run
        rows.append(
            {
                "case": case.key,
                # what the case is credited by comes first, so a phone shows it without scrolling sideways
                "traffic": f"{yes} {_evidence_text(case.traffic)}" if case.traffic else no,
                "app": _app_run_text(run, case.run_by_app) if run else no,
                "query": (yes if case.verified_by_query else "✗") if case.query_check else no,
                "title": t(f"gateway.case.{case.key}"),
                "applies": yes if case.applies else t("observatory.page.not_needed"),
            }
        )
    # a small static table: eight rows need no grid, and it draws at once on any screen
    labels = {
        "case": t("gateway.page.col_case"),
        "traffic": t("observatory.page.col_traffic_own" if own else "observatory.page.col_traffic"),
        "app": t("observatory.page.col_app"),
        "query": t("observatory.page.col_query"),
        "title": t("gateway.page.col_title"),
        "applies": t("observatory.page.col_applies"),
    }
    st.table(pd.DataFrame(rows).rename(columns=labels).set_index(labels["case"]))
    if not runs.is_embedded_simulator():
        _render_verification(actor, merchant_id, key, [case for case in cases if case.applies])


def _render_verification(actor: Actor, merchant_id: int, key: str, cases) -> None:
    """On PingPong's sandbox the traffic is not visible: the merchant names the transactions, the app queries them."""
    st.markdown(f"**{t('observatory.page.verify_title')}**")
    st.caption(t("observatory.page.verify_intro"))
    if not cases:
        return
    case_key = st.selectbox(
        t("gateway.page.col_case"),
        [case.key for case in cases],
        format_func=lambda k: f"{k} · {t(f'gateway.case.{k}')}",
        key=f"{key}_verify_case",
    )
    with st.form(f"{key}_verify_{case_key}"):
        values = {
            name: st.text_input(t(FIELD_LABELS[name]), max_chars=64) for name in coverage.REFERENCE_FIELDS[case_key]
        }
        if case_key == "B":
            st.caption(t("observatory.page.verify_b_hint"))
        sent = st.form_submit_button(t("observatory.page.verify"), type="primary", icon=":material/fact_check:")
    if sent:
        check = _attempt(
            coverage.verify_case, actor=actor, merchant_id=merchant_id, case_key=case_key, reference=values
        )
        if check is not None:
            detail = coverage.detail_of(check)
            (st.success if check.passed else st.error)(translate(detail["key"], language(), **detail.get("params", {})))


def _source_label(source: str, own: bool) -> str:
    return t(f"observatory.source.{source}_own" if own and source == "merchant" else f"observatory.source.{source}")


def _notification_summary(item) -> str:
    return ", ".join(t(f"observatory.state.{view.row.state}") for view in item.notifications)


def render_request_log(actor: Actor, merchant_id: int, key: str, own: bool) -> None:
    """Every call made with the merchant's sandbox accounts, newest first, with diagnosis and notifications."""
    st.subheader(t("observatory.page.log_title"))
    st.caption(t("observatory.page.log_intro"))
    with db() as session:
        anything = request_log.requests_for(session, actor, merchant_id, per_page=1).total
    if not anything:
        st.info(t("observatory.page.log_empty", url=sandbox_base_url()), icon=":material/receipt_long:")
        return
    left, middle, right = st.columns([2, 3, 2], vertical_alignment="bottom")
    source = left.selectbox(
        t("observatory.page.filter_source"),
        ["", *request_log.SOURCES],
        format_func=lambda s: _source_label(s, own) if s else t("observatory.page.all_sources"),
        key=f"{key}_source",
    )
    paths = middle.multiselect(
        t("observatory.page.filter_endpoint"),
        list(ALL_PATHS),
        key=f"{key}_paths",
        placeholder=t("observatory.page.all_endpoints"),
    )
    failures = right.toggle(t("observatory.page.only_failures"), key=f"{key}_failures")
    page_number = st.session_state.get(f"{key}_page", 1)
    with db() as session:
        found = request_log.requests_for(
            session,
            actor,
            merchant_id,
            page=page_number,
            per_page=PER_PAGE,
            source=source or None,
            paths=tuple(paths),
            failures_only=failures,
        )
    if found.total == 0:
        st.info(t("observatory.page.log_none_match"), icon=":material/filter_alt_off:")
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "id": item.row.id,
                    "code": item.row.code,
                    "endpoint": item.row.path,
                    "when": item.row.received_at,
                    "meaning": codes.explain(item.row.code, language()),
                    "source": _source_label(item.row.source, own),
                    "order": item.row.merchant_transaction_id or "",
                    "notifications": _notification_summary(item),
                }
                for item in found.items
            ]
        ),
        hide_index=True,
        key=f"{key}_table_{found.page}",
        column_config={
            "id": "#",
            "when": st.column_config.DatetimeColumn(t("history.when"), format="YYYY-MM-DD HH:mm:ss"),
            "endpoint": t("observatory.page.col_endpoint"),
            "source": t("observatory.page.col_source"),
            "code": t("observatory.page.col_code"),
            "meaning": t("observatory.page.col_meaning"),
            "order": "merchantTransactionId",
            "notifications": t("observatory.page.col_notifications"),
        },
    )
    if found.pages > 1:
        st.number_input(
            t("observatory.page.page_of", pages=found.pages),
            min_value=1,
            max_value=found.pages,
            value=min(page_number, found.pages),
            key=f"{key}_page",
        )
    by_id = {item.row.id: item for item in found.items}
    chosen = st.selectbox(
        t("observatory.page.open_call"),
        list(by_id),
        format_func=lambda row_id: (
            f"#{row_id} · {by_id[row_id].row.received_at:%Y-%m-%d %H:%M:%S} · {by_id[row_id].row.path} · "
            f"{by_id[row_id].row.code}"
        ),
        key=f"{key}_open_{found.items[0].row.id}",
    )
    if chosen:
        _render_call(actor, merchant_id, by_id[chosen], key, own)


def _render_call(actor: Actor, merchant_id: int, item, key: str, own: bool) -> None:
    row = item.row
    box = st.container(border=True, key=f"{key}_call")
    box.markdown(f"**`{row.path}`** · {_source_label(row.source, own)} · {row.elapsed_ms} ms")
    words = codes.explain(row.code, language())
    (box.success if item.ok else box.error)(f"{row.code}: {words}", icon=None)
    box.caption(t("observatory.page.description"))
    box.text(row.description)
    if item.diagnosis:
        _render_diagnosis(box, item.diagnosis)
    left, right = box.columns(2)
    left.caption(t("observatory.page.request"))
    left.json(item.request, expanded=2)
    right.caption(t("gateway.page.response"))
    right.json(item.response, expanded=2)
    if item.notifications:
        box.markdown(f"**{t('observatory.page.notifications_title')}**")
    for view in item.notifications:
        notification = view.row
        head = box.container(border=True)
        head.markdown(
            f"{STATE_ICONS.get(notification.state, '')} **{notification.notify_type or '—'}** · "
            f"{t(f'observatory.state.{notification.state}')} · "
            f"{t('observatory.page.attempts', count=len(view.attempts))}"
        )
        head.text(notification.url)
        if view.attempts:
            head.dataframe(
                pd.DataFrame(
                    [
                        {
                            "number": attempt.number,
                            "when": attempt.attempted_at,
                            "received": "✓" if attempt.delivered else "✗",
                            "status": str(attempt.http_status) if attempt.http_status else "—",
                            "answer": attempt.answer if attempt.error is None else attempt.error,
                        }
                        for attempt in view.attempts
                    ]
                ),
                hide_index=True,
                key=f"{key}_attempts_{notification.id}",
                column_config={
                    "number": "#",
                    "when": st.column_config.DatetimeColumn(t("history.when"), format="YYYY-MM-DD HH:mm:ss"),
                    "received": t("observatory.page.col_received"),
                    "status": "HTTP",
                    "answer": t("observatory.page.col_answer"),
                },
            )
        if head.button(
            t("observatory.page.send_again"), icon=":material/replay:", key=f"{key}_resend_{notification.id}"
        ):
            if _attempt(
                request_log.resend_notification, actor=actor, merchant_id=merchant_id, notification_id=notification.id
            ):
                delivery.ensure_worker()
                st.toast(t("observatory.page.resent"), icon=":material/replay:")


def _render_diagnosis(box, diagnosis: dict) -> None:
    box.warning(t("observatory.page.signature_refused"), icon=":material/key_off:")
    box.caption(t("observatory.page.string_to_sign", sign_type=diagnosis.get("sign_type") or "—"))
    box.code(diagnosis.get("string_to_sign", ""), language=None, wrap_lines=True)
    lines = []
    for finding in diagnosis.get("findings", []):
        params = {name: str(value) for name, value in (finding.get("params") or {}).items()}
        lines.append("• " + t(f"observatory.diagnosis.{finding['key']}", **params))
    if diagnosis.get("left_out"):
        lines.append("• " + t("observatory.page.left_out", fields=", ".join(diagnosis["left_out"])))
    if diagnosis.get("differs"):
        lines.append("• " + t("observatory.page.differs", fields=", ".join(diagnosis["differs"])))
    # field names come from the caller's body: shown as plain text, never as Markdown
    box.text("\n".join(lines))
