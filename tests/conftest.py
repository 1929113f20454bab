import os
import tempfile

# No test may read or write the developer's real keyring, data or catalog.
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="mastwidgets-tests-")

import socket

import pytest


@pytest.fixture
def free_port():
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
