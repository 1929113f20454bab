"""Settings: keyword argument > environment variable > default, and where astroquery goes."""

from pathlib import Path

import pytest
from astroquery.mast.discovery_portal import PortalAPI

import mastwidgets as mw
from mastwidgets.errors import ConfigurationError

VARIABLES = (
    "MASTWIDGETS_MAST_URL",
    "MASTWIDGETS_RESOLVER_URL",
    "MASTWIDGETS_S3_ENDPOINT",
    "MASTWIDGETS_DATA_DIR",
    "MASTWIDGETS_STATE_DIR",
    "MASTWIDGETS_MONGODB_URI",
    "MAST_API_TOKEN",
    "MASTWIDGETS_TIMEOUT",
    "MASTWIDGETS_RETRIES",
    "MASTWIDGETS_THEME",
    "MASTWIDGETS_KERNEL_POOL",
)


@pytest.fixture
def clean_env(monkeypatch):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_defaults_point_at_the_real_mast(clean_env):
    settings = mw.get_settings()
    assert settings.mast_url == "https://mast.stsci.edu"
    assert settings.resolver_url == "http://mastresolver.stsci.edu"
    assert settings.s3_endpoint is None and settings.s3_bucket == "stpubdata"
    assert settings.mongodb_uri is None and settings.mast_token is None
    assert settings.data_dir.name == "data" and "mastwidgets" in str(settings.data_dir)
    assert settings.theme == "light"
    assert settings.kernel_pool == 3


def test_environment_beats_default_and_argument_beats_environment(clean_env, tmp_path):
    clean_env.setenv("MASTWIDGETS_MAST_URL", "http://127.0.0.1:1/")
    clean_env.setenv("MASTWIDGETS_DATA_DIR", str(tmp_path / "env"))
    clean_env.setenv("MASTWIDGETS_MONGODB_URI", "mongodb://user:secret@db/")
    clean_env.setenv("MASTWIDGETS_RETRIES", "5")
    clean_env.setenv("MASTWIDGETS_THEME", "Dark")
    from_env = mw.get_settings()
    assert from_env.theme == "dark"
    assert from_env.mast_url == "http://127.0.0.1:1"
    assert from_env.resolver_url == "http://127.0.0.1:1"  # a custom MAST serves the resolver too
    assert from_env.data_dir == tmp_path / "env" and from_env.retries == 5
    assert "secret" not in repr(from_env)
    given = mw.get_settings(mast_url="http://127.0.0.1:2", data_dir=tmp_path / "arg", retries=0)
    assert given.mast_url == "http://127.0.0.1:2"
    assert given.data_dir == Path(tmp_path / "arg") and given.retries == 0


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("mast_url", "mast.stsci.edu"),
        ("s3_endpoint", "ftp://x"),
        ("timeout", "soon"),
        ("retries", -1),
        ("theme", "solarized"),
        ("kernel_pool", -1),
        ("kernel_pool", 17),
    ],
)
def test_unusable_values_are_configuration_errors(clean_env, name, value):
    with pytest.raises(ConfigurationError, match=name):
        mw.get_settings(**{name: value})
    with pytest.raises(ConfigurationError, match="unknown setting"):
        mw.get_settings(colour="red")


def test_every_astroquery_url_follows_the_settings(sandbox_env, mast_sandbox):
    mw.search_target("M8")
    base = mast_sandbox.mast_url
    assert base + "/api/v0/invoke" == PortalAPI.MAST_REQUEST_URL
    assert PortalAPI.COLUMNS_CONFIG_URL.startswith(base)
    assert PortalAPI.MAST_DOWNLOAD_URL.startswith(base)
    paths = [path for _, path, _ in mast_sandbox.requests]
    assert any(p.startswith("/Santa-war/query") for p in paths)  # the hard-coded resolver host
    before = mast_sandbox.served
    mw.list_products("icdm01010")
    later = [path for _, path, _ in mast_sandbox.requests_since(before)]
    assert any(p.startswith("/api/v0.1/path_lookup/") for p in later)  # the hard-coded host


def test_a_data_root_is_the_default_destination_and_hides_nothing_it_is_not_given(
    clean_env, tmp_path
):
    clean_env.delenv("MASTWIDGETS_DATA_ROOT", raising=False)
    clean_env.delenv("MASTWIDGETS_DATA_DIR", raising=False)
    assert mw.get_settings().data_root is None
    clean_env.setenv("MASTWIDGETS_DATA_ROOT", str(tmp_path / "root"))
    settings = mw.get_settings()
    assert settings.data_root == settings.data_dir == tmp_path / "root"
    assert mw.get_settings(data_dir=tmp_path / "root" / "x").data_dir == tmp_path / "root" / "x"
    with pytest.raises(ConfigurationError, match="must be inside data_root"):
        mw.get_settings(data_dir=tmp_path / "elsewhere")


def test_host_secrets_stay_out_of_repr(clean_env):
    settings = mw.get_settings(app_token="page-secret", ag_grid_license="licence-key")
    assert settings.app_token == "page-secret"
    assert "page-secret" not in repr(settings) and "licence-key" not in repr(settings)


def test_requests_at_once_per_host(clean_env):
    """MAST's site and S3 have their own caps: S3 takes more by default."""
    clean_env.delenv("MASTWIDGETS_CONNECTIONS", raising=False)
    clean_env.delenv("MASTWIDGETS_S3_CONNECTIONS", raising=False)
    settings = mw.get_settings()
    assert settings.s3_connections > settings.connections
    clean_env.setenv("MASTWIDGETS_S3_CONNECTIONS", "128")
    assert mw.get_settings().s3_connections == 128
    clean_env.setenv("MASTWIDGETS_S3_CONNECTIONS", "0")
    with pytest.raises(ConfigurationError, match="s3_connections"):
        mw.get_settings()


def voila_config_folder(command: list[str]) -> Path:
    """The folder of the voila.json a ``voila_command`` runs Voila with."""
    (flag,) = [c for c in command if c.startswith("--Voila.config_file_paths=")]
    return Path(flag.split("=", 1)[1])


def test_the_app_page_keeps_the_kernel_pool_it_is_given(clean_env):
    """Voila's config for ``kernel_pool``: that many pre-heated kernels, refilled a few
    seconds after one is handed out; 0 is Voila's own default, a kernel per page."""
    import json

    from mastwidgets.app import voila_command

    def config(command):
        return json.loads((voila_config_folder(command) / "voila.json").read_text())

    default = config(voila_command(8866))
    assert default["VoilaKernelManager"]["kernel_pools_config"]["default"]["pool_size"] == 3
    assert default["VoilaConfiguration"]["preheat_kernel"] is True
    clean_env.setenv("MASTWIDGETS_KERNEL_POOL", "1")
    one = config(voila_command(8866))
    assert one["VoilaKernelManager"]["kernel_pools_config"]["default"]["pool_size"] == 1
    none = config(voila_command(8866, kernel_pool=0))
    assert none["VoilaConfiguration"]["preheat_kernel"] is False
    assert "VoilaKernelManager" not in none


def test_voila_waits_for_the_app_s_widgets_on_a_busy_host(clean_env):
    """Voila's executor, read from the config the app's page runs with, waits a minute
    for what a cell sends after its reply. nbclient's 4 s dropped the App's widgets on
    a busy host: visitors got pages without the app ("Timeout waiting for IOPub output",
    seen in the suite on a slow machine and again with three processes spinning beside
    the server; with this setting every page was drawn)."""
    import nbformat
    from traitlets.config.loader import JSONFileConfigLoader
    from voila.execute import VoilaExecutor

    from mastwidgets.app import voila_command

    folder = str(voila_config_folder(voila_command(8866)))
    config = JSONFileConfigLoader("voila.json", path=folder).load_config()
    executor = VoilaExecutor(nbformat.v4.new_notebook(), config=config)
    assert executor.iopub_timeout == 60
