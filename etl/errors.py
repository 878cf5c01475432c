"""Exceptions for user mistakes that the command line turns into one clear line (exit status 2).

Bad data in a partner file is never an exception: it is a report (see ``etl.report``).
These are for bad settings and bad configuration, which stop the program before any file is read.
"""


class ConfigError(Exception):
    """A setting or the program file is wrong; the message says which and how to fix it."""


class DatabaseUnavailableError(ConfigError):
    """The database cannot be reached right now (down, restarting, network): usually temporary."""


def describe_os_error(error: OSError) -> str:
    """'Not a directory: /data/archive/ab' rather than "[Errno 20] Not a directory: '/data/archive/ab'"."""
    if error.filename is None or not error.strerror:
        return str(error)
    if error.filename2 is not None:  # a move or rename: the problem may be on either side
        return f"{error.strerror}: {error.filename} -> {error.filename2}"
    return f"{error.strerror}: {error.filename}"
