"""Admin: users, pending invitations, process settings and API tokens."""

import pandas as pd
import streamlit as st

from onboarding.accounts import invitations, users
from onboarding.accounts.passwords import check_rules
from onboarding.core.access import ROLES
from onboarding.core.errors import DomainError
from onboarding.core.field_checks import collect
from onboarding.core.i18n import pick
from onboarding.process import merchants, sla
from onboarding.process.definition import default_process
from ui.api_tokens import render_api_tokens
from ui.checklist import run_action
from ui.context import db, language, require_actor, show_error, show_flash, t
from ui.field_errors import FieldErrors
from ui.notifications import render_outbox
from ui.text import inert, plain, plain_frame

actor = require_actor(admin=True)
show_flash()
st.title(t("nav.admin"))
tab_users, tab_invites, tab_settings, tab_tokens, tab_outbox = st.tabs(
    [t("admin.users"), t("admin.invitations"), t("admin.settings"), t("admin.tokens"), t("outbox.title")]
)

with db() as session:
    accounts = users.list_users(session, actor)
    everyone = merchants.pipeline(session, actor, per_page=None, sort="name", descending=False).rows
    merchant_names = {row["id"]: row["name"] for row in everyone}
    waiting = invitations.pending(session, actor)
    slas = sla.stage_slas(session)

with tab_users:
    table = pd.DataFrame(
        [
            {
                "name": user.name,
                "email": user.email,
                "role": t(f"role.{user.role}"),
                "merchant": merchant_names.get(user.merchant_id, "") if user.merchant_id else "",
                "active": user.active,
                "can_sign_in": user.password_hash is not None,
                "created": user.created_at,
            }
            for user in accounts
        ]
    )
    st.dataframe(
        plain_frame(table),
        hide_index=True,
        column_config={
            "name": t("admin.name"),
            "email": t("auth.email"),
            "role": t("admin.role"),
            "merchant": t("nav.merchant"),
            "active": st.column_config.CheckboxColumn(t("admin.active")),
            "can_sign_in": st.column_config.CheckboxColumn(t("admin.can_sign_in")),
            "created": st.column_config.DatetimeColumn(t("admin.created"), format="YYYY-MM-DD"),
        },
    )
    create, manage = st.columns(2)
    with create.container(border=True):
        st.subheader(t("admin.create_user"))
        errors = FieldErrors()
        with st.form("create_user", clear_on_submit=False, border=False):
            email = st.text_input(t("auth.email"))
            errors.place("email")
            name = st.text_input(t("admin.name"))
            role = st.selectbox(t("admin.role"), ROLES, index=1, format_func=lambda r: t(f"role.{r}"))
            errors.place("role")
            merchant_id = st.selectbox(
                t("admin.merchant_for_role"),
                list(merchant_names),
                index=None,
                format_func=lambda i: plain(merchant_names[i]),
                placeholder=t("ux.choose"),
            )
            errors.place("merchant")
            password = st.text_input(t("auth.password_hint"), type="password")
            errors.place("password")
            if st.form_submit_button(t("admin.create_user"), type="primary"):
                with db() as session:
                    chosen_merchant = merchant_id if role == "merchant" else None
                    problems = users.new_user_problems(session, actor, email, role, password, chosen_merchant)
                if not errors.show(problems):
                    run_action(
                        users.create_user,
                        "flash.user_created",
                        email=email,
                        name=name,
                        role=role,
                        password=password,
                        merchant_id=merchant_id if role == "merchant" else None,
                    )
    with manage.container(border=True):
        st.subheader(t("admin.manage_user"))
        chosen = st.selectbox(
            t("admin.user"),
            [user.id for user in accounts],
            index=None,
            format_func={u.id: plain(f"{u.name} <{u.email}>") for u in accounts}.get,
            placeholder=t("ux.choose"),
        )
        user = next((u for u in accounts if u.id == chosen), None)
        if user is not None:
            if user.active:
                with st.popover(t("admin.deactivate"), icon=":material/person_off:"):
                    st.write(t("admin.deactivate_confirm", name=inert(user.name)))
                    if st.button(t("admin.deactivate"), type="primary", key="confirm_deactivate"):
                        run_action(users.set_active, "flash.user_changed", user_id=user.id, active=False)
            elif st.button(t("admin.reactivate"), icon=":material/person:"):
                run_action(users.set_active, "flash.user_changed", user_id=user.id, active=True)
            reset_errors = FieldErrors()
            with st.form("reset_password", border=False):
                new_password = st.text_input(t("admin.new_password"), type="password")
                reset_errors.place("password")
                if st.form_submit_button(t("admin.reset_password")):
                    if not reset_errors.show(collect({"password": lambda: check_rules(new_password)})):
                        run_action(users.reset_password, "flash.user_changed", user_id=user.id, password=new_password)
            with st.form("change_role", border=False):
                new_role = st.selectbox(
                    t("admin.role"), ROLES, index=ROLES.index(user.role), format_func=lambda r: t(f"role.{r}")
                )
                new_merchant = st.selectbox(
                    t("admin.merchant_for_role"),
                    list(merchant_names),
                    index=None,
                    format_func=lambda i: plain(merchant_names[i]),
                    key="role_merchant",
                    placeholder=t("ux.choose"),
                )
                if st.form_submit_button(t("admin.change_role")):
                    run_action(
                        users.change_role,
                        "flash.user_changed",
                        user_id=user.id,
                        role=new_role,
                        merchant_id=new_merchant if new_role == "merchant" else None,
                    )

with tab_invites:
    if not waiting:
        st.info(t("admin.no_invitations"))
    for invitation in waiting:
        line, button = st.columns([4, 1])
        line.markdown(
            t(
                "admin.invitation_line",
                email=inert(invitation.email),
                merchant=inert(merchant_names.get(invitation.merchant_id, "?")),
                date=invitation.expires_at.strftime("%Y-%m-%d"),
            )
        )
        if button.button(t("admin.revoke"), key=f"revoke_{invitation.id}"):
            run_action(invitations.revoke, "flash.invitation_revoked", invitation_id=invitation.id)

with tab_settings:
    st.caption(t("admin.sla_help"))
    process = default_process()
    with st.form("sla_form"):
        values = {
            stage.key: st.number_input(
                f"{stage.index + 1}. {pick(stage.title, language())}",
                min_value=1,
                max_value=365,
                value=slas[stage.key],
                step=1,
            )
            for stage in process.stages
        }
        if st.form_submit_button(t("admin.save_slas"), type="primary"):
            try:
                with db() as session:
                    for key, days in values.items():
                        if days != slas[key]:
                            sla.set_sla(session, actor, key, int(days))
            except DomainError as error:
                show_error(error)
            else:
                st.success(t("admin.slas_saved"))

with tab_tokens:
    render_api_tokens(actor)

with tab_outbox:
    render_outbox(actor)
