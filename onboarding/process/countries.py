"""Countries as ISO 3166-1 alpha-2 codes, named in English and Chinese from pycountry's list and translations."""

import gettext
from functools import lru_cache

import pycountry

CODES = tuple(sorted(country.alpha_2 for country in pycountry.countries))
_CODES = frozenset(CODES)


def is_country(code: str) -> bool:
    """Whether `code` is an ISO 3166-1 alpha-2 country code (upper case)."""
    return code in _CODES


@lru_cache
def _chinese() -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"], fallback=True)


@lru_cache(maxsize=1024)
def name(code: str, language: str = "en") -> str:
    """The country's everyday name in `language` (the code itself when it is unknown)."""
    country = pycountry.countries.get(alpha_2=code or "")
    if country is None:
        return code
    if language == "zh":
        return _chinese().gettext(country.name)
    return getattr(country, "common_name", None) or country.name


def label(code: str, language: str = "en") -> str:
    """`code — name`, as a list of countries shows it."""
    return f"{code} — {name(code, language)}"
