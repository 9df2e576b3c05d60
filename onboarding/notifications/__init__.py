"""Notifications: events become e-mails in an outbox, reminders and digests, the in-app inbox."""
