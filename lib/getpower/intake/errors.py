"""The one error of intake: a file that cannot be read, as one Chinese line for the user."""


class ExtractError(Exception):
    """A file that cannot be read or misses a required column: one Chinese line naming the file and
    the cause."""


class NotAnExtract(ExtractError):
    """A file whose name and header match no extract kind: in a folder, a stray document."""
