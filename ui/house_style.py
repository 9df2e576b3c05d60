"""The app's own stylesheet: captions that stay readable, and Streamlit's built-in texts in the page's language.

Streamlit has no setting for the texts of its widgets (streamlit/streamlit issues 1353, 13500), so the few a
person meets (the upload button and its limit, "Press Enter to …") are replaced here for Chinese pages.
"""

import streamlit as st

from onboarding.core.i18n import translate

# Streamlit fades captions with opacity 0.6, which leaves 3.9:1 on white; 4.5:1 is the WCAG AA minimum.
READABLE = "[data-testid='stCaptionContainer']{opacity:1;color:#555b68}"

REPLACED = {
    # (CSS selector of the element holding Streamlit's own text, catalogue key of the replacement)
    "[data-testid='stFileUploaderDropzone'] button [data-testid='stMarkdownContainer'] p": "ux.st.upload",
    "[data-testid='stFileUploaderDropzoneInstructions'] span": "ux.st.upload_limit",
    "[data-testid='InputInstructions'] > span:first-child": "ux.st.enter_to_apply",
    "[data-testid='stForm'] [data-testid='InputInstructions'] > span:first-child": "ux.st.enter_to_submit",
    "[data-testid='stTextArea'] [data-testid='InputInstructions'] > span:first-child": "ux.st.ctrl_enter_to_apply",
    "[data-testid='stForm'] [data-testid='stTextArea'] [data-testid='InputInstructions'] > span:first-child": (
        "ux.st.ctrl_enter_to_submit"
    ),
}


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def stylesheet(language: str) -> str:
    """The CSS for a page in `language`: readable captions, and Streamlit's own texts replaced unless English."""
    rules = [READABLE]
    if language != "en":
        for selector, key in REPLACED.items():
            rules.append(f"{selector}{{font-size:0}}")
            text = translate(key, language, limit=st.get_option("server.maxUploadSize"))
            rules.append(f"{selector}::after{{content:{_css_string(text)};font-size:0.875rem}}")
    return "".join(rules)


def apply(language: str) -> None:
    """Add the stylesheet to the page (it takes no room)."""
    st.html(f"<style>{stylesheet(language)}</style>")
