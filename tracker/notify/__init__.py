"""Notifications: reminders, digests, the outbox, mail backends and the clock process that drives them."""
