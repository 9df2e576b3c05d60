"""PingPong Checkout v4: signature, client, credentials, test runs, checks and the embedded sandbox simulator."""
