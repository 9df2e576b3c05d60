"""The stage clock as both sides see it: days in stage, SLA state and whose turn, and due dates on open items."""

import html
import math
from datetime import datetime

import streamlit as st

from onboarding.core import clock
from onboarding.core.i18n import pick
from onboarding.process.deadlines import StageClock
from onboarding.process.definition import default_process
from ui.context import language, t

# Text and background pairs that keep at least 4.5:1 contrast (WCAG AA).
TONES = {
    "on_track": ("#0f5c33", "#e3f3e9"),
    "due_soon": ("#7a4100", "#fff1db"),
    "over": ("#9b1c1c", "#fde8e8"),
    "paused": ("#3d4657", "#eceff4"),
    "live": ("#0f5c33", "#e3f3e9"),
}
STYLE = (
    "<style>.stage-clock{display:flex;flex-wrap:wrap;gap:8px;margin:2px 0 10px;font-family:'Source Sans Pro',"
    "sans-serif}.stage-clock .cell{flex:1 1 150px;box-sizing:border-box;border:1px solid #d5dae3;"
    "border-radius:10px;padding:8px 12px;background:#fff}.stage-clock .name{font-size:13px;color:#4a5468}"
    ".stage-clock .value{font-size:16px;font-weight:600;color:#1f2a44;margin-top:2px}.stage-clock .pill{"
    "display:inline-block;border-radius:8px;padding:1px 10px;font-size:14px;font-weight:600}"
    ".stage-clock .more{font-size:13px;color:#4a5468;margin-top:2px}"
    "@media (max-width:640px){.stage-clock .cell{padding:6px 10px}.stage-clock .value{font-size:15px}}</style>"
)


def days_text(days: int) -> str:
    """`days` with its unit in the page's language (one day, 3 days; 1 天, 3 天)."""
    return t("ux.one_day") if days == 1 else t("ux.days", days=days)


def _date(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d")


def _left(days: float) -> str:
    """Whole days left, rounded up, so days in the stage (rounded down) and days left add up to the SLA."""
    return days_text(math.ceil(days))


def _late(days: float) -> str:
    """Whole days late, rounded down (at least one), matching the days in the stage."""
    return days_text(max(1, math.floor(days)))


def sla_text(stage: StageClock) -> str:
    """The SLA state in words: due when, how long is left or how late it is."""
    if stage.state == "live":
        return t("ux.sla_live")
    if stage.state == "paused":
        return t("ux.sla_paused")
    if stage.state == "over":
        return t("ux.sla_over", late=_late(-stage.days_left), date=_date(stage.due_at))
    if stage.state == "due_soon":
        return t("ux.sla_due_soon", date=_date(stage.due_at))
    return t("ux.sla_on_track", date=_date(stage.due_at), left=_left(stage.days_left))


def turn_text(turn: str | None, for_merchant: bool) -> str:
    """Whose turn it is, said to staff ("Merchant") or to the merchant ("Yours")."""
    if turn is None:
        return t("ux.turn_nobody")
    return t(f"ux.turn_{turn}_to_merchant" if for_merchant else f"ux.turn_{turn}")


def render_stage_clock(stage: StageClock, for_merchant: bool = False) -> None:
    """Three cells that wrap on a phone: days in the stage, the SLA state, and whose turn it is."""
    process = default_process()
    colour, background = TONES[stage.state]
    if stage.sla_days is None:
        in_stage = t("ux.stage_live")
    else:
        in_stage = t("ux.in_stage_of", days=days_text(stage.days_in_stage), sla=days_text(stage.sla_days))
    first = pick(process.item(stage.turn_item).title, language()) if stage.turn_item else ""
    cells = [
        (t("ux.in_stage"), f"<div class='value'>{html.escape(in_stage)}</div>"),
        (
            t("ux.sla"),
            f"<div class='value'><span class='pill' style='color:{colour};background:{background}'>"
            f"{html.escape(sla_text(stage))}</span></div>",
        ),
        (
            t("ux.turn"),
            f"<div class='value'>{html.escape(turn_text(stage.turn, for_merchant))}</div>"
            + (f"<div class='more'>{html.escape(first)}</div>" if first else ""),
        ),
    ]
    st.html(
        STYLE
        + "<div class='stage-clock'>"
        + "".join(f"<div class='cell'><div class='name'>{html.escape(name)}</div>{body}</div>" for name, body in cells)
        + "</div>"
    )


def short_stage_name(stage) -> str:
    """A stage's short name (\"Docking\"), or its full title for a stage the catalogue does not know."""
    key = f"ux.stage_short.{stage.key}"
    short = t(key)
    return pick(stage.title, language()) if short == key else short


def stage_choice(derived, key: str) -> int:
    """Which stage's checklist to show: a row of short stage names that wraps on a phone (the current one first)."""
    process = default_process()
    last = len(process.stages) - 1

    def label(index: int) -> str:
        state = derived.stages[index]
        mark = ":material/check:" if state.is_complete and state.is_open else "" if state.is_open else ":material/lock:"
        return f"{mark} {index + 1} · {short_stage_name(process.stages[index])}".strip()

    chosen = st.segmented_control(
        t("ux.stage"),
        list(range(len(process.stages))),
        format_func=label,
        default=min(derived.current_stage, last),
        key=key,
        label_visibility="collapsed",
        width="stretch",
    )
    return min(derived.current_stage, last) if chosen is None else chosen


def due_text(due_at: datetime, now: datetime | None = None) -> str:
    """An open item's due date in words: due on a date, with the days left, or how late it is."""
    now = now or clock.now()
    left = (due_at - now).total_seconds() / 86400
    if left < 0:
        return t("ux.item_overdue", date=_date(due_at), late=_late(-left))
    if left < 1:
        return t("ux.item_due_today", date=_date(due_at))
    return t("ux.item_due", date=_date(due_at), left=_left(left))


def render_due(due_at: datetime, now: datetime | None = None) -> None:
    """An open item's due date as a badge: grey while on time, orange on its last day, red once overdue."""
    now = now or clock.now()
    left = (due_at - now).total_seconds() / 86400
    colour = "red" if left < 0 else "orange" if left < 1 else "gray"
    st.markdown(f":{colour}-badge[:material/schedule: {due_text(due_at, now)}]")
