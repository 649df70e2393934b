"""The rules of the domain, pure (no I/O, no database): the fiscal calendar and working days, the reminder
ladder, the budget basis."""
