"""Tables of the gateway work (credentials, test runs, simulator state): filled in by the test-transactions issue."""
