"""Text that people type, shown as text: never as Markdown, HTML, LaTeX, links, images or reversed by bidi tricks.

Streamlit renders Markdown in most places (captions, alerts, labels, toasts, titles). Person-typed text goes
into them only through `inert`; a block of it (a comment, evidence, a note) goes through `show_text`, which
uses no Markdown at all; tables go through `plain_frame`.
"""

import re

import pandas as pd
import streamlit as st

# Bidi embeddings, overrides and isolates reorder what follows them ("‮gnp.exe" shows as "exe.png").
BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"))
# Every ASCII punctuation character may be backslash-escaped in CommonMark, and then means only itself.
_PUNCTUATION = re.compile(r"""([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])""")
# Streamlit turns bare web and e-mail addresses into links after escapes are resolved; an invisible word
# joiner after the scheme, before "." of www and before "@" keeps them plain text.
_AUTOLINK = re.compile(r"(?i)(https?|ftp|mailto|xmpp|www)(?=[:.])|(?=@)")
WORD_JOINER = "\u2060"


def plain(text: object) -> str:
    """The text without the invisible characters that reorder what is shown."""
    return "" if text is None else str(text).translate(BIDI_CONTROLS)


def inert(text: object) -> str:
    """Person-typed text made safe to put in any Streamlit text that renders Markdown; it shows as typed."""
    cleaned = _AUTOLINK.sub(lambda match: (match.group(1) or "") + WORD_JOINER, plain(text))
    escaped = _PUNCTUATION.sub(r"\\\1", cleaned)
    return "  \n".join(escaped.splitlines()) if "\n" in escaped or "\r" in escaped else escaped


def inert_params(**params) -> dict:
    """`inert` applied to every text parameter of a translated message (numbers and dates pass as they are)."""
    return {key: inert(value) if isinstance(value, str) else value for key, value in params.items()}


def show_text(text: object, **options) -> None:
    """A block of person-typed text (comment, evidence, note, reason): line breaks kept, no Markdown at all."""
    st.text(plain(text), **options)


def plain_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A table whose text cells cannot reorder themselves (tables render no Markdown, but do honour bidi)."""
    cleaned = frame.copy()
    for column in frame.columns:
        if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column].dtype):
            cleaned[column] = frame[column].map(lambda value: plain(value) if isinstance(value, str) else value)
    return cleaned
