"""Errors beside the fields of a form: a place under each field, filled after a refused submit."""

import streamlit as st

from onboarding.core.errors import DomainError
from ui.context import error_text


class FieldErrors:
    """The places under a form's fields where their errors appear, all at once."""

    def __init__(self) -> None:
        self._places: dict = {}

    def place(self, field: str) -> None:
        """Keep a place for `field`'s error right here (call it just after the field's widget)."""
        self._places[field] = st.empty()

    def show(self, problems: dict[str, DomainError]) -> bool:
        """Show each problem beside its field (or here, for a field without a place); whether there were any."""
        for field, error in problems.items():
            place = self._places.get(field)
            (place if place is not None else st).error(error_text(error), icon=":material/error:")
        return bool(problems)
