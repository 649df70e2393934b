"""One small tree of errors a person can act on; ``str()`` is a sentence in their language."""


class UserError(Exception):
    """Bad input or a refused action: shown as one line, never as a traceback."""


class ParseError(UserError, ValueError):
    """Text a person typed that cannot be read exactly."""
