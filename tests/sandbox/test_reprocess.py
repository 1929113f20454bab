"""MAST reprocessing a program, as every client of the sandbox sees it."""

import pytest
import requests

from mastwidgets.mast import _client
from mastwidgets.sandbox import Sandbox
from mastwidgets.sandbox.pytest_plugin import _point_at


@pytest.fixture
def own_sandbox(monkeypatch, tmp_path):
    with Sandbox(files_dir=tmp_path / "sandbox-files") as sandbox:
        settings = _point_at(sandbox, monkeypatch, tmp_path)
        yield sandbox, next(settings)


def test_reprocessing_changes_bytes_names_and_listings_for_every_client(own_sandbox):
    sandbox, settings = own_sandbox
    before = {uri: path.stat().st_size for uri, path in sandbox.files.items()}
    changed = sandbox.reprocess("JWST", "02739", fraction=0.05)
    assert changed.changed and changed.withdrawn and len(changed.renamed) == 10  # 9 asn, 1 i2d
    for uri in changed.changed:
        data = sandbox.product_bytes(uri)
        assert len(data) == before[uri] + 2880  # a header block: its reprocessing's history
        answer = requests.get(sandbox.download_url(uri), timeout=10)
        assert answer.status_code == 200 and answer.content == data
    for uri in [*changed.withdrawn, *changed.renamed]:
        assert requests.get(sandbox.download_url(uri), timeout=10).status_code == 404
    for new in changed.renamed.values():
        assert requests.get(sandbox.download_url(new), timeout=10).status_code == 200
    # astroquery's own client sees the new lists: sizes, versions, names
    obs = _client.observations(settings)
    found = obs.query_criteria(obs_collection="JWST", proposal_id="2739")
    listed = obs.get_product_list(found)
    rows = {row["dataURI"]: row for row in listed}
    for uri in changed.changed:
        assert rows[uri]["size"] == before[uri] + 2880 and rows[uri]["prvversion"] == "1.17.1"
    assert not set(changed.renamed) & set(rows) and set(changed.renamed.values()) <= set(rows)
    assert not set(changed.withdrawn) & set(rows)
    again = sandbox.reprocess("HST", 13926)
    assert [u.rsplit("/", 1)[-1] for u in again.renamed.values()] == ["icdm01020_drc.fits"]
