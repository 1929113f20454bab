"""nbval runs these notebooks in fresh kernels, which inherit this environment:
no real keyring, and a scratch data folder instead of the user's. The app notebook's
kernel ("mastwidgets") is the package's own, found where `mastwidgets app` finds it
(an editable install, as the test environment's, installs no kernelspec of its own)."""

import os
import tempfile

from mastwidgets.app import voila_environ

os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="mastwidgets-notebooks-")
os.environ["JUPYTER_PATH"] = voila_environ(os.environ)["JUPYTER_PATH"]
