"""``mastwidgets app``: serve the app notebook with Voila, optionally on the sandbox.

A page served to others (``--data-root``, ``--token``, ``--max-import-bytes``,
``--max-concurrent-imports``) is described in the README's hosting section.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import webbrowser
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

from jupyter_core.paths import jupyter_data_dir

from .errors import ConfigurationError
from .settings import get_settings, user_dir

APP_NOTEBOOK = "mast_import_app.ipynb"
#: The app's Voila page template: Voila's lab page loading nothing from other hosts.
TEMPLATE = "mastwidgets"
#: The app notebook's kernel (``jupyter/kernels/mastwidgets``): ipykernel run by the
#: Python that runs Voila, so the page never starts a kernel of another environment.
KERNEL = "mastwidgets"


#: Set (to "1") in the environment of the app's own page's kernels: the grids use the
#: front end `GRID_EXTENSION` (mastwidgets.ui._grid).
LATE_GRID = "MASTWIDGETS_LATE_GRID"
#: The grids' front end on the app's own page (``jupyter/labextensions``), instead of
#: ipyaggrid's: its code is the same, fetched when the page is drawn (see ui/_grid.py).
GRID_EXTENSION = "mastwidgets-grid"


def notebook_dir() -> Path:
    """The folder holding the app notebook (inside the installed package)."""
    return Path(str(resources.files("mastwidgets.ui").joinpath("notebooks")))


def jupyter_data() -> Path:
    """The package's Jupyter data folder (``voila/templates/mastwidgets``,
    ``kernels/mastwidgets``), for JUPYTER_PATH."""
    return Path(str(resources.files("mastwidgets.ui").joinpath("jupyter")))


def voila_environ(env: Mapping[str, str], *, late_grid: bool = True) -> dict[str, str]:
    """``env`` with the app's page template, kernel and grid module first on Jupyter's
    search path (JUPYTER_PATH), and the page's kernels told to use that grid module
    (``late_grid``; False: ipyaggrid's own, as in JupyterLab or on Binder)."""
    found = dict(env)
    found["JUPYTER_PATH"] = os.pathsep.join(
        part for part in (str(jupyter_data()), env.get("JUPYTER_PATH")) if part
    )
    if late_grid:
        found[LATE_GRID] = "1"
    else:
        found.pop(LATE_GRID, None)
    return found


#: The front-end extensions of jdaviz's Imviz (the optional "Open in Imviz", with
#: mastwidgets[viz]), served with ``--imviz`` only: loading them costs the page about
#: half a second (1.35 s -> 1.85 s until ready, measured); absent ones are not loaded.
IMVIZ_EXTENSIONS = (
    "jupyter-vuetify",
    "jupyter-vue",
    "jupyter-vuedraggable",
    "bqplot",
    "bqplot-image-gl",
    "bqplot-linlog",
    "jupyter-golden-layout",
    "jupyter-splitpanes",
)

# How Voila serves the app as a web page. `mastwidgets app` passes it on the command
# line; `write_voila_config` writes it as the voila.json that Voila's server extension
# reads (Binder's /voila/render/... pages).
VOILA_CONFIG = {
    "VoilaConfiguration": {
        # The page is the app: no code, no tracebacks, nothing from other hosts (TEMPLATE).
        "template": TEMPLATE,
        "strip_sources": True,
        "show_tracebacks": False,
        # Slow first renders (a cold MAST) must not drop the page's connection.
        "http_keep_alive_timeout": 30,
        # A pre-heated kernel waits for the next page, the app already built in it: the
        # page is ready in about half the time. The page's own request (its address,
        # for links) reaches the kernel afterwards (the notebook waits for it). Voila
        # 0.5 would hand out a pooled kernel that died while it waited: the app's
        # kernel manager drops those first (app_kernels.py).
        "preheat_kernel": True,
        "multi_kernel_manager_class": "mastwidgets.app_kernels.CheckedPoolKernelManager",
        # Only the front-end extensions the app uses. Others found in the environment
        # can break the page: Notebook 7's lab extension does (#RUNTIME-012).
        "extension_allowlist": [
            "@jupyter-widgets/jupyterlab-manager",
            "@voila-dashboards/widgets-manager8",
            "ipyaggrid",  # `mastwidgets app`: GRID_EXTENSION instead
        ],  # and IMVIZ_EXTENSIONS, with --imviz
    },
    # Voila writes the page from what each cell sends after its reply, and waits for it
    # 4 s (nbclient's default) before it gives up and leaves it out: building the App
    # sends 460 widget messages, and on a busy host (three kernels heated at once, two
    # cores taken) Voila read them later than that and the visitor got a page without
    # the app. They are waited for up to a minute; a kernel that dies meanwhile is
    # still noticed at once (nbclient watches it).
    "VoilaExecutor": {"iopub_timeout": 60},
    # Kernels of open pages are kept, however long they sit idle. A closed page's kernel
    # (Voila 0.5's shutdown-on-close request is refused: no _xsrf cookie) finishes its
    # downloads, whose progress messages count as activity, and is ended after an hour
    # of silence, so a hosted app does not collect a kernel per visit.
    # With --token, Jupyter's login page would also offer to set a password, written to
    # the host's Jupyter config: a visitor holding the token must not change the host.
    "PasswordIdentityProvider": {"allow_password_change": False},
    "MappingKernelManager": {
        "cull_idle_timeout": 3600,
        "cull_interval": 300,
        "cull_connected": False,
    },
    # The notebook's own kernel and no other: a kernel of the user's named "python3"
    # (another environment's Python) is never picked up instead.
    "KernelSpecManager": {"allowed_kernelspecs": [KERNEL]},
    # Voila talks to its kernels over Unix sockets in its own 0700 folder: no TCP port a
    # local user could reach (and no ipykernel warning about unencrypted TCP).
    "KernelManager": {"transport": "ipc"},
    # The page's connection to its kernel is pinged every 30 s and closed when no pong
    # came for 90 s (Jupyter Server's defaults). A timeout no longer than the interval
    # closed every page's connection 30 s after it opened ("Connection lost" in the
    # browser's console): the first check comes one interval after the connection's
    # start. Tornado's warning about these settings is a false alarm (app_server.py).
}
#: Settings of Voila's own server, which a Jupyter server's Voila extension (Binder's
#: /voila/render/... pages) must not take: its kernels serve JupyterLab too.
STANDALONE_ONLY = {
    "VoilaConfiguration": ("preheat_kernel", "multi_kernel_manager_class"),
    "KernelSpecManager": ("allowed_kernelspecs",),
    "KernelManager": ("transport",),
}


def trusted_notebook_config(folder: Path, path: Path | None = None) -> dict:
    """The app notebook (or the one at ``path``) signed as trusted by a notary of its own
    (in ``folder``), and the config that has Voila ask that notary: Voila then loads it
    without "Notebook ... is not trusted" (the user's own Jupyter signature store is left
    alone)."""
    import nbformat
    from nbformat.sign import NotebookNotary

    notary = NotebookNotary(data_dir=str(folder))
    notebook = nbformat.read(path or notebook_dir() / APP_NOTEBOOK, as_version=4)
    if not notary.check_signature(notebook):
        notary.sign(notebook)
    notary.store.close()
    return {"NotebookNotary": {"data_dir": str(folder)}}


def _config_folder(config: dict) -> Path:
    """A folder holding ``config`` as the voila.json Voila reads (typed values, which
    command-line flags cannot carry), named by its content: commands with other configs,
    started at the same time, each keep their own."""
    text = json.dumps(config, indent=2, sort_keys=True) + "\n"
    folder = user_dir("voila") / hashlib.sha256(text.encode()).hexdigest()[:16]
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "voila.json").is_file():
        temporary = folder / f"voila.json.{os.getpid()}.tmp"
        temporary.write_text(text)
        os.replace(temporary, folder / "voila.json")
    return folder


def voila_command(
    port: int,
    theme: str = "light",
    config: dict | None = None,
    *,
    ip: str = "127.0.0.1",
    token: bool = False,
    imviz: bool = False,
    kernel_pool: int | None = None,
) -> list[str]:
    """Voila on the app notebook alone (one notebook: no file browsing), configured by
    `VOILA_CONFIG` updated with ``config`` ({section: {name: value}}), written as a
    voila.json under the user's mastwidgets data folder. Run it with
    :func:`voila_environ`; with ``token``, the page asks for the token Voila finds in the
    environment's ``JUPYTER_TOKEN`` (never on the command line, where ``ps`` shows it).
    ``kernel_pool``: kernels kept pre-heated (default: the ``kernel_pool`` setting)."""
    merged = {section: dict(values) for section, values in VOILA_CONFIG.items()}
    pool = get_settings().kernel_pool if kernel_pool is None else kernel_pool
    if pool == 0:
        merged["VoilaConfiguration"]["preheat_kernel"] = False  # a kernel started per page
    else:
        # The pool is filled again a few seconds after a kernel is handed out, not one:
        # heating a kernel takes both cores of a small host for seconds, and visitors
        # arriving together (a class, a link shared) would load their pages beside it.
        merged["VoilaKernelManager"] = {
            "kernel_pools_config": {"default": {"pool_size": pool}},
            "fill_delay": 5.0,
        }
    notary = user_dir("voila")
    notary.mkdir(parents=True, exist_ok=True)
    merged.update(trusted_notebook_config(notary))
    # The grids' code is fetched after the page is drawn (ipyaggrid's, by the module
    # mastwidgets-grid): about 0.3 s of each page load, measured.
    allowed = merged["VoilaConfiguration"]["extension_allowlist"]
    allowed = [GRID_EXTENSION if name == "ipyaggrid" else name for name in allowed]
    merged["VoilaConfiguration"]["extension_allowlist"] = [
        *allowed,
        *(IMVIZ_EXTENSIONS if imviz else ()),
    ]
    for section, values in (config or {}).items():
        merged.setdefault(section, {}).update(values)
    return [
        sys.executable,
        "-m",
        "mastwidgets.app_server",  # Voila, its page's files sent compressed
        str(notebook_dir() / APP_NOTEBOOK),
        f"--port={port}",
        f"--theme={theme}",
        "--no-browser",
        f"--Voila.ip={ip}",
        "--Voila.port_retries=0",  # this port or none: the address printed is the page's
        *(["--token"] if token else []),
        # The config, and no other voila.json (the current folder's, the user's ~/.jupyter).
        f"--Voila.config_file_paths={_config_folder(merged)}",
    ]


def write_voila_config(path: str | os.PathLike) -> Path:
    """Write `VOILA_CONFIG` as a voila.json (for Voila's server extension, e.g. on Binder),
    and copy the app's page template where that server finds it (the user's Jupyter
    data folder: a Jupyter server's environment cannot be set from here)."""
    path = Path(path).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    config = {section: dict(values) for section, values in VOILA_CONFIG.items()}
    for section, names in STANDALONE_ONLY.items():
        for name in names:
            config[section].pop(name)
    path.write_text(json.dumps({k: v for k, v in config.items() if v}, indent=2) + "\n")
    for part in (Path("voila", "templates", TEMPLATE), Path("kernels", KERNEL)):
        shutil.copytree(jupyter_data() / part, Path(jupyter_data_dir()) / part, dirs_exist_ok=True)
    return path


def _loopback(ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return ip == "localhost"


def _check_port_free(ip: str, port: int) -> None:
    with socket.socket(socket.AF_INET6 if ":" in ip else socket.AF_INET) as probe:
        try:
            probe.bind((ip, port))
        except OSError as error:
            raise ConfigurationError(
                f"Cannot serve the app on {ip}:{port} ({error.strerror}): another program "
                "(another mastwidgets app?) may use that port; choose one with --port N."
            ) from None


def _wait_until_listening(host: str, port: int, process, stop: threading.Event) -> bool:
    """Wait until Voila accepts connections on ``port`` (False: it ended, or Ctrl-C)."""
    while not stop.is_set() and process.poll() is None:
        try:
            with socket.create_connection((host, port), timeout=1):
                return True
        except OSError:
            stop.wait(0.1)
    return False


def serve(
    *,
    sandbox: bool = False,
    port: int = 8866,
    open_browser: bool = True,
    theme: str | None = None,
    ip: str = "127.0.0.1",
    token: bool = False,
    data_root: str | os.PathLike | None = None,
    max_import_bytes: str | int | None = None,
    max_concurrent_imports: int | None = None,
    kernel_pool: int | None = None,
    imviz: bool = False,
    verbose: bool = False,
) -> int:
    """Run Voila on the app until Ctrl-C; with ``sandbox``, start the MAST sandbox first.

    It prints the sandbox's address and the page's, once the page answers; Voila's own
    log (kernels started, requests) only with ``verbose``, its warnings and errors always.

    ``imviz``: serve jdaviz's front-end extensions too, for the Catalog tab's "Open in
    Imviz" (the page takes about half a second longer to load); not on a hosted page.

    ``data_root``, ``max_import_bytes`` and ``max_concurrent_imports`` are the settings
    of the same names, handed to the page's kernels; ``kernel_pool`` (the setting) is how
    many kernels wait pre-heated, the app already built in each, for the next visitors;
    ``token``: the page asks for a token (``MASTWIDGETS_APP_TOKEN``, else a new one,
    printed once with the URL).
    Serving beyond loopback (``ip``) needs the token.
    """
    # Bad settings fail here, before anything starts.
    settings = get_settings(
        theme=theme,
        data_root=data_root,
        max_import_bytes=max_import_bytes,
        max_concurrent_imports=max_concurrent_imports,
        kernel_pool=kernel_pool,
    )
    if not token and not _loopback(ip):
        raise ConfigurationError(
            f"Serving the app on {ip} lets anyone who reaches it import files: add --token "
            "(or serve it behind JupyterHub, see the README's hosting section)."
        )
    if imviz and settings.data_root is not None:
        raise ConfigurationError(
            "--imviz is for a page of your own: Imviz's Import dialog opens any file of the "
            "server, so a hosted page (--data-root) does not offer it."
        )
    _check_port_free(ip, port)
    env = dict(os.environ)
    env["MASTWIDGETS_IMVIZ"] = "1" if imviz else "0"  # the page's kernels offer Imviz or not
    env["MASTWIDGETS_THEME"] = settings.theme  # the App's own widgets (the grid) follow the page
    if settings.data_root is not None:
        settings.data_root.mkdir(parents=True, exist_ok=True)
        env["MASTWIDGETS_DATA_ROOT"] = str(settings.data_root.resolve())
    for name, value in (
        ("MASTWIDGETS_MAX_IMPORT_BYTES", settings.max_import_bytes),
        ("MASTWIDGETS_MAX_CONCURRENT_IMPORTS", settings.max_concurrent_imports),
    ):
        if value is not None:
            env[name] = str(value)
    secret = None
    if token:
        secret = settings.app_token or secrets.token_urlsafe(24)
        env["JUPYTER_TOKEN"] = secret  # Voila's identity provider reads it
        env.pop("MASTWIDGETS_APP_TOKEN", None)
    stack = []
    if sandbox:
        from .sandbox import Sandbox

        sb = Sandbox().start()
        stack.append(sb)
        env.update(sb.environ())
        print(f"MAST sandbox: {sb.mast_url} (S3 {sb.s3_endpoint})", flush=True)
    host = "127.0.0.1" if ip in ("0.0.0.0", "::") else ip
    url = f"http://{host}:{port}/"
    command = voila_command(
        port, settings.theme, ip=ip, token=token, imviz=imviz, kernel_pool=settings.kernel_pool
    )
    if not verbose:
        command.append("--Voila.log_level=WARN")
    process = subprocess.Popen(command, env=voila_environ(env))
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    if secret is not None and settings.app_token is None:
        url += f"?token={secret}"  # made up here: shown once, to whoever started the app
    try:
        if _wait_until_listening(host, port, process, stop):
            print(f"mastwidgets app: {url} (Ctrl-C stops it)", flush=True)
            if secret is not None and settings.app_token is not None:
                print("The page asks for the token in MASTWIDGETS_APP_TOKEN.", flush=True)
            if open_browser:
                webbrowser.open(url)
        while not stop.is_set() and process.poll() is None:
            stop.wait(0.5)
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        for item in stack:
            item.stop()
    return 0 if stop.is_set() else (process.returncode or 0)
