"""The exceptions mastwidgets raises.

Every error a user can act on has its own class, all below
:class:`~mastwidgets.MastWidgetsError`, so a notebook cell can catch exactly what it can
handle and a UI can show ``str(error)`` as a one-line message.
"""

from __future__ import annotations

__all__ = [
    "AuthenticationError",
    "CatalogUnavailable",
    "ClusterUnavailable",
    "ConfigurationError",
    "DiskFull",
    "InvalidCoordinates",
    "InvalidCriteria",
    "InvalidQuery",
    "InvalidRadius",
    "JobNotFound",
    "JobRunning",
    "LimitExceeded",
    "MastQueryFailed",
    "MastTimedOut",
    "MastUnavailable",
    "MastWidgetsError",
    "NoProductsFound",
    "ObservationNotFound",
    "ProductNotFound",
    "ProgramNotFound",
    "StateCorrupt",
    "TargetNotFound",
    "TooManyResults",
    "TransferError",
    "UnsafeDestination",
]


#: Why MAST refused exclusive-access files, as every part of mastwidgets says it.
NEEDS_TOKEN = (
    "exclusive-access data: they need a MAST token with access (MAST_API_TOKEN or the keyring)"
)


class MastWidgetsError(Exception):
    """Base class of every error raised by mastwidgets."""


class ConfigurationError(MastWidgetsError, ValueError):
    """A setting (argument or ``MASTWIDGETS_*`` variable) has an unusable value."""


class InvalidQuery(MastWidgetsError, ValueError):
    """A search was asked with input that cannot be sent to MAST."""


class TargetNotFound(InvalidQuery):
    """The name resolver knows no object by that name."""

    def __init__(self, name: str):
        self.name = name
        super().__init__(
            f"MAST's name resolver does not know the target {quoted(name)}. Check the spelling, "
            "try another designation (e.g. 'M 8' or 'NGC 6523'), or search by coordinates."
        )


class InvalidCoordinates(InvalidQuery):
    """Coordinates that astropy cannot parse."""


class InvalidRadius(InvalidQuery):
    """A search radius that is not an angle, not positive or absurdly large."""


class InvalidCriteria(InvalidQuery):
    """A search criterion MAST does not know, or a value it cannot take."""


class TooManyResults(InvalidQuery):
    """A search matches more observations than the ``max_search_rows`` setting allows."""

    def __init__(self, matched: int, limit: int):
        self.matched, self.limit = matched, limit
        super().__init__(
            f"This search matches {matched:,} observations, more than the {limit:,} shown at "
            "once (max_search_rows). Narrow it: a smaller radius, a collection, an "
            "instrument or a date range."
        )


class ObservationNotFound(MastWidgetsError, LookupError):
    """No observation has that observation ID."""

    def __init__(self, obs_ids: list[str]):
        self.obs_ids = list(obs_ids)
        shown = ", ".join(shortened(str(i), 40) for i in self.obs_ids[:3])
        if len(self.obs_ids) > 3:
            shown += f" and {len(self.obs_ids) - 3} more"
        super().__init__(
            f"MAST has no observation with ID {shown}. Observation IDs look like "
            "'jw02739-o001_t001_nircam_clear-f090w' or 'ibxl51010'; "
            "search by target to find them."
        )


class ProgramNotFound(ObservationNotFound):
    """A mission has no observation of that program (none the user may see)."""

    def __init__(self, mission: str, program: str):
        self.obs_ids = []
        self.mission, self.program = mission, program
        LookupError.__init__(
            self,
            f"MAST has no {mission} observations of program {program} (or none you may "
            "see): check the mission and the program number.",
        )


class NoProductsFound(MastWidgetsError, LookupError):
    """An observation exists but has no data products (or none passed the filters)."""


class ProductNotFound(MastWidgetsError, FileNotFoundError):
    """Neither MAST's bucket nor its download service has the product's file."""


class MastUnavailable(MastWidgetsError, ConnectionError):
    """MAST did not answer, or answered with a server error, after retries."""


class MastTimedOut(MastUnavailable):
    """MAST did not answer within the ``timeout`` setting (after retries): it may still be
    working on a large query."""


class MastQueryFailed(MastWidgetsError):
    """MAST answered, but with an error for this query (``status: ERROR``)."""


class AuthenticationError(MastWidgetsError, PermissionError):
    """MAST rejected the API token, or the data are proprietary and no token was given."""


class TransferError(MastWidgetsError):
    """A download job could not be started or continued."""


class UnsafeDestination(TransferError, ValueError):
    """A path that would land outside where it may: a file name outside its job's
    folder, or a destination outside the data root (``..``, absolute, symlink)."""


class LimitExceeded(TransferError):
    """The import is over a limit the host set (bytes per import, imports at once)."""


class DiskFull(TransferError, OSError):
    """Not enough room on the disk for the job."""


class JobNotFound(TransferError, LookupError):
    """No state file for that job ID in the state directory."""


class StateCorrupt(TransferError, ValueError):
    """A job's state file or journal cannot be read; it names the file, and nothing
    on disk has been deleted or changed."""


class JobRunning(TransferError):
    """The job is already running (in this process or another)."""


class CatalogUnavailable(MastWidgetsError, ConnectionError):
    """The catalog store (MongoDB) cannot be reached."""


class ClusterUnavailable(MastWidgetsError, ConnectionError):
    """The Dask scheduler an import was pointed at cannot be reached."""


def shortened(text: str, limit: int = 80) -> str:
    """``text`` cut to at most ``limit`` characters in its middle (a 10,000-character
    target name is not echoed back whole)."""
    if len(text) <= limit:
        return text
    head = limit // 2
    return f"{text[:head]}…{text[-(limit - head - 1) :]}"


def quoted(text: object, limit: int = 80) -> str:
    """What a user typed, quoted for a message: at most ``limit`` characters of it."""
    return repr(shortened(str(text), limit))
