"""What a person typed into a refused sign-in or invitation form (e-mail, name), kept briefly in a cookie.

The form comes back filled in, and the values stay out of the address bar and the server's logs.
"""

from urllib.parse import parse_qsl, quote, unquote, urlencode

COOKIE = "onboarding_typed"
SECONDS = 600
MAX_LENGTH = 400


def encode(**values: str) -> str:
    """The cookie value holding `values` (only characters a cookie may carry)."""
    return quote(urlencode({name: value[:MAX_LENGTH] for name, value in values.items()}), safe="")


def decode(cookie: str | None) -> dict[str, str]:
    """The values kept by `encode`; nothing for a missing or malformed cookie."""
    try:
        return dict(parse_qsl(unquote(cookie or "")))
    except ValueError:
        return {}
