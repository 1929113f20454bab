"""The scientist's selection in the real page: tick files, preview, footprints, exports,
one after another in one page."""

import base64
import re
import subprocess
import sys
from pathlib import Path

from .conftest import (
    assert_accessible,
    assert_no_broken_images,
    search,
    select_rows,
    shot,
    wait_for_pictures,
)

#: This module's page is served with Imviz (``mastwidgets app --imviz``).
VOILA_IMVIZ = True

HST_M16 = ["icdm01010", "icdm01020"]


def product_row(page, name):
    return page.locator(".mw-products .ag-row", has_text=name).first


def ticked_files(page):
    return sorted(
        page.locator(".mw-products .ag-center-cols-container .ag-row-selected").evaluate_all(
            "rows => rows.map(r => r.querySelector(\"[col-id='file']\").textContent.trim())"
        )
    )


def test_tick_files_preview_footprints_and_import_exactly_them(shared_page, voila, mast_sandbox):
    page = shared_page
    search(page, "M16", found="observations found")
    select_rows(page, HST_M16)
    page.wait_for_selector("text=2 product(s) ticked of 12 listed", timeout=60_000)
    assert ticked_files(page) == ["icdm01010_drz.fits", "icdm01020_drz.fits"]
    # the preview (fetched by the kernel) and the footprints are drawn
    page.wait_for_selector(".mw-preview img, img.mw-preview", timeout=60_000)
    wait_for_pictures(page)
    assert_no_broken_images(page, "the search tab")
    shot(page, "selection-01-mrp-preview-footprints")
    assert_accessible(page, "the search tab with a selection, its preview and files")
    page.click("button:has-text('All listed')")
    page.wait_for_selector("text=12 product(s) ticked of 12 listed", timeout=60_000)
    product_row(page, "icdm01aaq_raw.fits").locator(".ag-selection-checkbox").click()
    product_row(page, "icdm01020_drz.png").locator(".ag-selection-checkbox").click()
    page.wait_for_selector("text=10 product(s) ticked of 12 listed", timeout=60_000)
    shot(page, "selection-02-unticked")
    page.click("button:has-text('Import')")
    page.wait_for_selector(".mw-job-status:text('done')", timeout=120_000)
    got = sorted(p.name for p in (voila["home"] / "data").rglob("*") if p.is_file())
    assert len(got) == 10
    assert "icdm01aaq_raw.fits" not in got and "icdm01020_drz.png" not in got
    assert page.console_errors == []


def test_exports_are_saved_from_the_page(shared_page, voila, mast_sandbox):
    page = shared_page
    search(page, "M16", found="observations found")
    select_rows(page, ["icdm01010"])
    page.wait_for_selector(".mw-preview img, img.mw-preview", timeout=60_000)
    wait_for_pictures(page)
    page.click("button:has-text('Recommended')")  # the page keeps the last choice
    page.wait_for_selector("text=1 product(s) ticked of 6 listed", timeout=60_000)
    for button, name, expected in (
        ("Download script", "mast_download.sh", "fetch HST/icdm01010/icdm01010_drz.fits"),
        ("Manifest (CSV)", "mast_manifest.csv", "s3://stpubdata/hst/public/icdm/icdm01010"),
        ("Python snippet", "mast_selection.py", "mw.search_target('M16'"),
    ):
        page.click(f"button:has-text('{button}')")
        link = page.wait_for_selector(f"a.mw-download[download='{name}']", timeout=60_000)
        with page.expect_download() as saving:
            link.click()
        saved = saving.value
        assert saved.suggested_filename == name
        assert expected in Path(saved.path()).read_text()
    shown = page.locator(".mw-app textarea:visible").last.input_value()
    assert "mw.import_observations(products=products)" in shown
    href = page.locator("a.mw-download").get_attribute("href")
    assert href.startswith("data:text/x-python;base64,")
    assert "icdm01010_drz.fits" in base64.b64decode(href.split(",", 1)[1]).decode()
    shot(page, "selection-03-exports")
    assert page.console_errors == []


def test_the_basket_keeps_ticked_files_and_lists_them_in_its_tab(shared_page, voila):
    page = shared_page
    search(page, "M16", found="observations found")
    select_rows(page, ["icdm01020"])
    page.wait_for_selector(".mw-preview img, img.mw-preview", timeout=60_000)
    wait_for_pictures(page)
    page.wait_for_selector("text=/product\\(s\\) ticked of/", timeout=60_000)
    page.click("button:has-text('Add to basket')")
    page.wait_for_selector("text=/added to the basket/", timeout=60_000)
    page.get_by_role("tab", name=re.compile("^Basket")).click()
    page.wait_for_selector("text=/file\\(s\\) in the basket/", timeout=60_000)
    files = page.locator(".mw-basket .ag-center-cols-container [col-id='file']")
    assert "icdm01020_drz.fits" in files.all_inner_texts()
    assert_no_broken_images(page, "the Basket tab")
    shot(page, "basket")
    assert_accessible(page, "the Basket tab")
    page.get_by_role("tab", name="Search & import").click()
    assert page.console_errors == []


def test_the_catalog_tab_shows_a_quick_look_and_the_header(shared_page, voila):
    page = shared_page
    imported = subprocess.run(  # the page's own import may have run before, or not
        [sys.executable, "-m", "mastwidgets", "import", "icdm01010", "--mrp"],
        env=voila["env"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert imported.returncode == 0, imported.stderr
    page.click("text=Catalog")
    page.wait_for_selector("text=file(s) in the catalog", timeout=60_000)
    assert_no_broken_images(page, "the Catalog tab before a record is picked")
    page.locator(".mw-catalog .ag-row", has_text="icdm01010_drz.fits").first.click()
    page.wait_for_selector("text=image of SCI", timeout=60_000)
    page.wait_for_function(
        "() => { const i = document.querySelector('.mw-quicklook');"
        " return i && i.complete && i.naturalWidth > 100; }",
        timeout=60_000,
    )
    spread = page.locator(".mw-quicklook").evaluate(
        """img => {
          const c = document.createElement('canvas');
          c.width = img.naturalWidth; c.height = img.naturalHeight;
          const x = c.getContext('2d'); x.drawImage(img, 0, 0);
          const d = x.getImageData(0, 0, c.width, c.height).data, seen = new Set();
          for (let i = 0; i < d.length; i += 4) seen.add(d[i]);
          return seen.size;
        }"""
    )
    assert spread > 50  # grey levels of a stretched image, not a blank or flat square
    assert "TARGNAME" in page.locator(".mw-record:not(.mw-facts)").first.inner_text()
    shot(page, "selection-04-quicklook")
    assert_accessible(page, "the Catalog tab with a quick look")
    assert page.console_errors == []
    # jdaviz's solara probes /voila/files/solara/readyz, which Voila refuses (403): that
    # probe is jdaviz's, and the only failure its viewer may cause here
    probes = []
    page.on("response", lambda r: probes.append(r.url) if r.status == 403 else None)
    page.click("button:has-text('Open in Imviz')")
    page.wait_for_selector("text=is open in Imviz below", timeout=120_000)
    # jdaviz's image viewer, rendered (a bqplot figure: jdaviz 5's App names it "Image",
    # jdaviz 4's Imviz "imviz-0")
    page.wait_for_selector(".bqplot", timeout=120_000)
    shot(page, "selection-05-imviz")
    assert all(url.endswith("/solara/readyz") for url in probes)
    refused = "Failed to load resource: the server responded with a status of 403 (Forbidden)"
    assert [e for e in page.console_errors if e != refused] == []
