"""One translation function over the English and Simplified Chinese catalogues."""

import tomllib
from functools import lru_cache
from pathlib import Path

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
LANGUAGES = {"en": "English", "zh": "简体中文"}
DEFAULT_LANGUAGE = "en"


def supported(language: str | None) -> str:
    """`language` if the app speaks it, else the default (a person's stored choice may be empty or old)."""
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def _flatten(table: dict, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = str(value)
    return flat


@lru_cache
def catalogue(language: str) -> dict[str, str]:
    """Every message of one language, keyed by dotted name (all files of `locales/<language>/`)."""
    messages: dict[str, str] = {}
    for path in sorted((LOCALES_DIR / language).glob("*.toml")):
        messages.update(_flatten(tomllib.loads(path.read_text(encoding="utf-8"))))
    return messages


def translate(key: str, language: str = DEFAULT_LANGUAGE, **params) -> str:
    """The message `key` in `language`, formatted with `params`; English if the language lacks it.

    A parameter given per language (`{"en": …, "zh": …}`, e.g. item titles) is picked in `language`.
    """
    language = supported(language)
    text = catalogue(language).get(key) or catalogue(DEFAULT_LANGUAGE).get(key) or key
    params = {name: pick(value, language) if isinstance(value, dict) else value for name, value in params.items()}
    try:
        return text.format(**params) if params else text
    except (KeyError, IndexError, ValueError):
        return text


def pick(texts: dict[str, str], language: str) -> str:
    """The text in `language` from a bilingual dict of the process file."""
    return texts.get(language) or texts.get(DEFAULT_LANGUAGE) or ""
