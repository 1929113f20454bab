"""nbval runs these notebooks in fresh kernels, which inherit this environment:
no real keyring, and a scratch data folder instead of the user's."""

import os
import tempfile

os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="mastwidgets-notebooks-")
