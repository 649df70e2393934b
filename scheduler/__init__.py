"""What happens without anyone asking: the minute tick (rounds opened, reminders and digests chosen and
claimed, housekeeping), the outbox dispatcher that sends them within the platforms' limits, and the lock
that keeps one scheduler active."""
