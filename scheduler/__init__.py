"""The round calendar, working days, and (later) reminders, digests and the outbox."""
