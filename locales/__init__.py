"""Everything a person reads: th and en catalogues, Thai dates, digits and amounts."""

from locales.i18n import _, current_language, ngettext, set_language

__all__ = ["_", "ngettext", "set_language", "current_language"]
