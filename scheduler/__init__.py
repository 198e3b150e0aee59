"""Reminders and notifications: rules → occurrences → outbox → dispatch. See docs/SCHEDULER.md."""
