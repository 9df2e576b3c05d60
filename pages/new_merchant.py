"""New merchant: a validated form; the merchant opens at stage 1 with its checklist."""

import streamlit as st

from onboarding.core.errors import DomainError
from onboarding.process import merchants
from ui.context import db, flash, require_actor, show_error, t

actor = require_actor(staff=True)
st.title(t("nav.new_merchant"))
st.caption(t("new_merchant.intro"))

with db() as session:
    owners = {user.id: user.name for user in merchants.staff_users(session)}

with st.form("new_merchant", clear_on_submit=False):
    left, right = st.columns(2)
    name = left.text_input(t("field.name") + " *", max_chars=200)
    website = right.text_input(t("field.website") + " *", placeholder="https://shop.example.com", max_chars=2048)
    contact_name = left.text_input(t("field.contact_name") + " *", max_chars=200)
    contact_email = right.text_input(t("field.contact_email") + " *", placeholder="dev@example.com", max_chars=320)
    country = left.text_input(
        t("field.country") + " *", placeholder="US", max_chars=2, help=t("new_merchant.country_help")
    )
    shop_platform = right.selectbox(
        t("field.shop_platform"), merchants.SHOP_PLATFORMS, format_func=lambda p: t(f"platform.{p}")
    )
    integration_mode = left.selectbox(
        t("field.integration_mode"), merchants.INTEGRATION_MODES, format_func=lambda m: t(f"mode.{m}")
    )
    sandbox_account = right.selectbox(
        t("field.sandbox_account"), merchants.SANDBOX_ACCOUNTS, format_func=lambda c: t(f"choice.{c}")
    )
    owner_id = left.selectbox(
        t("field.owner"),
        list(owners),
        format_func=owners.get,
        index=list(owners).index(actor.id) if actor.id in owners else None,
    )
    with right:
        st.markdown(t("new_merchant.features"))
        uses_refunds = st.checkbox(t("field.uses_refunds"), value=True)
        uses_preauth = st.checkbox(t("field.uses_preauth"))
        uses_3ds = st.checkbox(t("field.uses_3ds"))
    submitted = st.form_submit_button(t("action.create_merchant"), type="primary", icon=":material/add:")

if submitted:
    data = merchants.MerchantInput(
        name=name,
        website=website,
        contact_name=contact_name,
        contact_email=contact_email,
        country=country,
        shop_platform=shop_platform,
        integration_mode=integration_mode,
        owner_id=owner_id,
        sandbox_account=sandbox_account,
        uses_refunds=uses_refunds,
        uses_preauth=uses_preauth,
        uses_3ds=uses_3ds,
    )
    try:
        with db() as session:
            merchant = merchants.create_merchant(session, actor, data)
    except DomainError as error:
        show_error(error)
    else:
        flash(t("flash.merchant_created", name=merchant.name))
        st.switch_page("pages/merchant.py", query_params={"id": str(merchant.id)})
