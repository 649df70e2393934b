"""What statuses, reasons and offices are called, in the reader's language: keyed by the values the domain stores
(domain/vocabulary.py), so that this bottom layer needs nothing above it; a test checks every value has one."""

from __future__ import annotations

from locales.i18n import _, current_language


def status_label(status: str) -> str:
    """A status value, or "awaiting" (no answer yet)."""
    return {
        "awaiting": _("Awaiting report"),
        "not_started": _("Not started"),
        "in_progress": _("In progress"),
        "completed": _("Completed"),
        "cannot": _("Could not be done"),
    }[status]


def status_button(status: str) -> str:
    """A status as a button: short enough for LINE's 20-character quick replies, never cut mid-word."""
    return _("Could not do it") if status == "cannot" else status_label(status)


def reason_label(category: str | None) -> str:
    """e-PlanNACC's reasons an item could not be done (a CannotReason value, or None)."""
    return {
        "no_budget": _("No budget was allocated"),
        "policy": _("The executives' policy changed"),
        "staff": _("Not enough staff"),
        "other": _("Other"),
        None: "",
    }[category]


def office_title(unit_name: str | None) -> str:
    """The office an acting officer holds for: a กอง's ผู้อำนวยการ, another unit's หัวหน้า, or (None) the ปลัด."""
    if unit_name is None:
        return _("the municipal clerk (ปลัด)")
    if current_language() == "th":
        return ("ผู้อำนวยการ" if unit_name.startswith("กอง") else "หัวหน้า") + unit_name
    return _("the head of {unit}").format(unit=unit_name)


def acting_title(unit_name: str | None) -> str:
    """รักษาราชการแทนผู้อำนวยการกองคลัง: how an acting officer's role is shown with them."""
    return _("acting for {office}").format(office=office_title(unit_name))
