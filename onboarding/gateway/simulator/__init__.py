"""The embedded sandbox simulator: the gateway's HTTP contract with deterministic, documented rules."""
