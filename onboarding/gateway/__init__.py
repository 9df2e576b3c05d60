"""PingPong Checkout v4: signature, client, embedded sandbox simulator (filled in by the test-transactions issue)."""

from starlette.routing import BaseRoute


def routes() -> list[BaseRoute]:
    """HTTP routes of the gateway area (simulator under /sandbox, notifications)."""
    return []
