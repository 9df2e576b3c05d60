"""New merchant: a validated form; look-alikes of existing merchants are shown before anything is created."""

import pandas as pd
import streamlit as st

from onboarding.core.errors import DomainError
from onboarding.process import countries, duplicates, merchants
from ui.context import db, error_text, flash, language, require_actor, show_error, t
from ui.text import inert, plain, plain_frame

actor = require_actor(staff=True)
st.title(t("nav.new_merchant"))
st.caption(t("new_merchant.intro"))

with db() as session:
    owners = {user.id: user.name for user in merchants.staff_users(session)}

slots = {}  # a place under each field for its error, filled after the form is sent
with st.form("new_merchant", clear_on_submit=False):
    left, right = st.columns(2)
    name = left.text_input(t("field.name") + " *", max_chars=200, key="nm_name")
    slots["name"] = left.empty()
    website = right.text_input(
        t("field.website") + " *", placeholder="https://shop.example.com", max_chars=2048, key="nm_website"
    )
    slots["website"] = right.empty()
    contact_name = left.text_input(t("field.contact_name") + " *", max_chars=200, key="nm_contact_name")
    slots["contact_name"] = left.empty()
    contact_email = right.text_input(
        t("field.contact_email") + " *", placeholder="dev@example.com", max_chars=320, key="nm_contact_email"
    )
    slots["contact_email"] = right.empty()
    country = left.selectbox(
        t("field.country") + " *",
        countries.CODES,
        index=None,
        format_func=lambda code: countries.label(code, language()),
        placeholder=t("new_merchant.country_placeholder"),
        help=t("new_merchant.country_help"),
        key="nm_country",
    )
    slots["country"] = left.empty()
    shop_platform = right.selectbox(
        t("field.shop_platform"), merchants.SHOP_PLATFORMS, format_func=lambda p: t(f"platform.{p}"), key="nm_platform"
    )
    slots["shop_platform"] = right.empty()
    integration_mode = left.selectbox(
        t("field.integration_mode"), merchants.INTEGRATION_MODES, format_func=lambda m: t(f"mode.{m}"), key="nm_mode"
    )
    slots["integration_mode"] = left.empty()
    sandbox_account = right.selectbox(
        t("field.sandbox_account"), merchants.SANDBOX_ACCOUNTS, format_func=lambda c: t(f"choice.{c}"), key="nm_sandbox"
    )
    slots["sandbox_account"] = right.empty()
    owner_id = left.selectbox(
        t("field.owner"),
        list(owners),
        format_func=lambda i: plain(owners[i]),
        index=list(owners).index(actor.id) if actor.id in owners else None,
        key="nm_owner",
    )
    slots["owner"] = left.empty()
    with right:
        st.markdown(t("new_merchant.features"))
        uses_refunds = st.checkbox(t("field.uses_refunds"), value=True, key="nm_refunds")
        uses_preauth = st.checkbox(t("field.uses_preauth"), key="nm_preauth")
        uses_3ds = st.checkbox(t("field.uses_3ds"), key="nm_3ds")
    submitted = st.form_submit_button(t("action.create_merchant"), type="primary", icon=":material/add:")


def _create(data: merchants.MerchantInput, allow_duplicate: bool) -> None:
    """Create the merchant and open it; otherwise say beside each field what is wrong, or show look-alikes."""
    try:
        with db() as session:
            merchant = merchants.create_merchant(session, actor, data, allow_duplicate=allow_duplicate)
    except merchants.InvalidInput as error:
        for field, problem in error.errors.items():
            slots[field].error(error_text(problem), icon=":material/error:")
        st.error(t("new_merchant.fix_fields", count=len(error.errors)), icon=":material/error:")
    except duplicates.DuplicateMerchant as error:
        st.session_state["nm_pending"] = (data, error.matches)
    except DomainError as error:
        if error.key == "error.bad_owner":
            slots["owner"].error(error_text(error), icon=":material/error:")
        else:
            show_error(error)
    else:
        st.session_state.pop("nm_pending", None)
        flash(t("flash.merchant_created", name=inert(merchant.name)))
        st.switch_page("pages/merchant.py", query_params={"id": str(merchant.id)})


if submitted:
    st.session_state.pop("nm_pending", None)
    _create(
        merchants.MerchantInput(
            name=name,
            website=website,
            contact_name=contact_name,
            contact_email=contact_email,
            country=country or "",
            shop_platform=shop_platform,
            integration_mode=integration_mode,
            owner_id=owner_id,
            sandbox_account=sandbox_account,
            uses_refunds=uses_refunds,
            uses_preauth=uses_preauth,
            uses_3ds=uses_3ds,
        ),
        allow_duplicate=False,
    )

pending = st.session_state.get("nm_pending")
if pending:
    data, matches = pending
    separator = "、" if language() == "zh" else ", "
    with st.container(border=True, key="nm_duplicates"):
        st.warning(t("new_merchant.duplicates_title", count=len(matches)), icon=":material/content_copy:")
        st.dataframe(
            plain_frame(
                pd.DataFrame(
                    [
                        {
                            "name": match.name,
                            "link": f"merchant?id={match.id}",
                            "matches": separator.join(t(f"new_merchant.same_{reason}") for reason in match.reasons),
                            "website": match.website,
                            "contact_email": match.contact_email,
                            "status": t(f"status.{match.status}")
                            + (f" · {t('new_merchant.archived')}" if match.archived else ""),
                        }
                        for match in matches
                    ]
                )
            ),
            hide_index=True,
            column_config={
                "name": t("field.name"),
                "link": st.column_config.LinkColumn(t("new_merchant.open"), display_text=t("new_merchant.open")),
                "matches": t("new_merchant.matches_on"),
                "website": t("field.website"),
                "contact_email": t("field.contact_email"),
                "status": t("field.status"),
            },
        )
        st.caption(t("new_merchant.duplicates_hint"))
        if st.button(t("action.create_anyway"), icon=":material/add:", key="nm_create_anyway"):
            _create(data, allow_duplicate=True)
