"""Which Dask cluster an import runs on: a client given, an address, or the setting."""

from __future__ import annotations

import threading

from ...errors import ClusterUnavailable, ConfigurationError, quoted
from ...settings import Settings

#: How long to wait for a scheduler to answer, at most (the ``timeout`` setting if shorter).
CONNECT_TIMEOUT = 10.0
_clients: dict[str, object] = {}
_clients_lock = threading.Lock()


def cluster_client(executor, settings: Settings):
    """A ``distributed.Client`` for ``executor`` (a Client, or a scheduler's address),
    else for the ``dask_scheduler`` setting; None when neither is given (the import
    runs in this process).

    Raises
    ------
    ConfigurationError
        Dask is not installed, or ``executor`` is neither a Client nor an address.
    ClusterUnavailable
        The scheduler does not answer.
    """
    if executor is None and not settings.dask_scheduler:
        return None
    try:
        from distributed import Client
    except ImportError:
        raise ConfigurationError(
            "Imports on a Dask cluster need Dask's distributed scheduler: "
            "pip install 'mastwidgets[dask]'."
        ) from None
    if isinstance(executor, Client):
        return executor
    address = executor if executor is not None else settings.dask_scheduler
    if not isinstance(address, str):
        raise ConfigurationError(
            "executor must be a dask.distributed.Client or a scheduler address, not "
            f"{quoted(address)}"
        )
    with _clients_lock:
        client = _clients.pop(address, None)
        if client is not None and client.status == "running":
            _clients[address] = client
            return client
        if client is not None:  # its scheduler went away
            client.close()
        try:
            timeout = min(CONNECT_TIMEOUT, settings.timeout)
            client = Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError) as error:
            raise ClusterUnavailable(
                f"Cannot reach the Dask scheduler at {address}: {error}"
            ) from None
        _clients[address] = client
        return client


def close_clients() -> None:
    """Close the clients this process opened for addresses (a client left open keeps
    trying to reach a scheduler that has gone, in the background)."""
    with _clients_lock:
        clients = list(_clients.values())
        _clients.clear()
    for client in clients:
        client.close()
