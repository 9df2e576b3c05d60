"""Widget values kept in the page's URL, so a view can be shared as a link and Back brings it back.

The URL is the truth: each run first copies the query string into the widgets' session state, and a
widget's change callback writes every value back (Streamlit pushes a browser history entry for it).
Values are written as stable codes (stage numbers, user ids), never as translated labels, so a link
means the same in either language. Streamlit's own `bind="query-params"` writes the labels instead.
"""

from collections.abc import Iterable
from dataclasses import dataclass

import streamlit as st

MAX_TEXT = 200


@dataclass(frozen=True)
class UrlParam:
    """One widget (its session-state key) and the query parameter that holds its value."""

    key: str
    name: str
    kind: str  # text, flag, page, one (of choices) or many (of choices)
    choices: tuple = ()
    default: object = None

    def parse(self, raw: str | None):
        """The value of the parameter's text; anything unknown or malformed gives the default."""
        if raw is None:
            return self.initial()
        if self.kind == "text":
            return raw[:MAX_TEXT]
        if self.kind == "flag":
            return raw == "1"
        if self.kind == "page":
            return int(raw) if raw.isdigit() and 0 < int(raw) < 10**6 else 1
        by_text = {str(choice): choice for choice in self.choices}
        if self.kind == "one":
            return by_text.get(raw, self.initial())
        return list(dict.fromkeys(by_text[part] for part in raw.split(",") if part in by_text))

    def dump(self, value) -> str | None:
        """The parameter's text for `value`; None leaves it out of the URL (the default)."""
        if value is None or value == self.initial():
            return None
        if self.kind == "flag":
            return "1" if value else None
        if self.kind == "many":
            return ",".join(str(item) for item in value)
        return str(value)

    def initial(self):
        """The value when the URL says nothing."""
        if self.default is not None:
            return self.default
        return {"text": "", "flag": False, "page": 1, "many": []}.get(self.kind)


def _memory(params) -> str:
    return "url_state_" + "_".join(sorted(param.key for param in params))


def restore(params: Iterable[UrlParam]) -> None:
    """Set each widget's value from the URL (call before the widgets are drawn).

    `st.switch_page(..., query_params=...)` first writes the target's parameters into this page's URL, which
    leaves a history entry such as `/?id=12`: Back lands there. A URL with parameters that are not this
    page's brings back the view last shown (Streamlit replaces, not adds, the entry during Back).
    """
    params = list(params)
    memory = _memory(params)
    if set(st.query_params) - {param.name for param in params} and memory in st.session_state:
        st.query_params.from_dict(st.session_state[memory])
    for param in params:
        value = param.parse(st.query_params.get(param.name))
        if param.key not in st.session_state or st.session_state[param.key] != value:
            st.session_state[param.key] = value
    st.session_state[memory] = {
        param.name: st.query_params[param.name] for param in params if param.name in st.query_params
    }


def store(params: Iterable[UrlParam], reset_page: str | None = None) -> None:
    """Write every widget's value into the URL (as a change callback); `reset_page` goes back to page 1."""
    params = list(params)
    if reset_page:
        st.session_state[reset_page] = 1
    query = {}
    for param in params:
        # A widget not drawn in this run (e.g. the table's sort on the board) keeps what the URL says.
        if param.key in st.session_state:
            current = st.session_state[param.key]
        else:
            current = param.parse(st.query_params.get(param.name))
        text = param.dump(current)
        if text is not None:
            query[param.name] = text
    st.query_params.from_dict(query)
    st.session_state[_memory(params)] = query
