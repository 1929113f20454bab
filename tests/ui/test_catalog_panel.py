"""The Catalog tab pages through many records: the store counts, filters and pages."""

import uuid

import pytest

from mastwidgets.catalog import RECORD_FIELDS, Catalog
from mastwidgets.ui import App

from ..catalog.conftest import mongodb_uri  # noqa: F401 - the SecantusDB server fixture

RECORDS = 5_000


@pytest.fixture(params=["sqlite", "mongodb"])
def full_catalog(request, sandbox_env, monkeypatch, mongodb_uri):  # noqa: F811
    if request.param == "mongodb":
        monkeypatch.setenv("MASTWIDGETS_MONGODB_URI", mongodb_uri)
        monkeypatch.setenv("MASTWIDGETS_MONGODB_DB", f"test_{uuid.uuid4().hex[:12]}")
    records = []
    for i in range(RECORDS):
        record = dict.fromkeys(RECORD_FIELDS)
        record.update(
            key=f"mast:HST/product/f{i:05d}_flt.fits",
            filename=f"f{i:05d}_flt.fits",
            obs_id=f"icdm{i % 40:02d}010",
            target=("M16", "M8", "NGC 6543", "M101")[i % 4],
            instrument="WFC3",
            path=str(sandbox_env.data_dir / f"f{i:05d}_flt.fits"),
            imported_at=f"2026-11-{1 + i // 3600:02d}T{i // 60 % 60:02d}:{i % 60:02d}:00",
            header={"TELESCOP": "HST"},
        )
        records.append(record)
    with Catalog() as catalog:
        catalog.upsert_many(records)
    return records


def show(panel, page=None):
    panel.refresh() if page is None else panel.show_page(page)
    panel._thread.join(timeout=60)
    assert not panel._thread.is_alive()


def test_the_catalog_tab_pages_through_thousands_of_records(full_catalog):
    panel = App().catalog
    show(panel)
    assert "5,000 file(s) in the catalog; showing 1–50, newest first." in panel.status.value
    assert len(panel.records) == 50 and panel.previous.disabled and not panel.next.disabled
    assert len(panel.grid.grid_data_in) == 50
    newest = full_catalog[-1]
    assert panel.records[0]["key"] == newest["key"]
    panel.next.click()
    panel._thread.join(timeout=60)
    assert "showing 51–100" in panel.status.value and not panel.previous.disabled
    show(panel, 10_000)  # past the end: the last page
    assert "showing 4,951–5,000" in panel.status.value and panel.next.disabled
    assert panel.records[-1]["key"] == full_catalog[0]["key"]
    panel.show_record(panel.records[-1]["key"])
    assert "f00000_flt.fits" in panel.header.value

    panel.field.value, panel.text.value = "target", "ngc*"  # Enter: a wildcard search
    panel._thread.join(timeout=60)
    assert "1,250 file(s) in the catalog with target = ngc*" in panel.status.value
    assert {r["target"] for r in panel.records} == {"NGC 6543"}
    panel.field.value, panel.text.value = "obs_id", "icdm07010"
    panel._thread.join(timeout=60)
    assert "125 file(s) in the catalog with obs_id = icdm07010; showing 1–50" in (
        panel.status.value
    )
    assert len(panel.records) == 50 and not panel.next.disabled
