"""``mastwidgets app --theme dark``: the page and the results grid are dark and readable."""

import sys

import pytest

from .conftest import (
    app_environ,
    assert_accessible,
    assert_no_broken_images,
    running,
    search,
    shot,
)

# Relative luminance and contrast ratio as WCAG 2 defines them; AA asks >= 4.5 for text.
CONTRAST = """el => {
  const rgb = s => s.match(/[0-9.]+/g).slice(0, 3).map(Number);
  const lum = c => {
    const [r, g, b] = c.map(v => v / 255).map(
      v => v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  let bg = el, colour;
  while (bg) {
    colour = getComputedStyle(bg).backgroundColor;
    if (colour && colour !== 'rgba(0, 0, 0, 0)' && colour !== 'transparent') break;
    bg = bg.parentElement;
  }
  const fg = lum(rgb(getComputedStyle(el).color)), back = lum(rgb(colour));
  return {background: back, ratio: (Math.max(fg, back) + 0.05) / (Math.min(fg, back) + 0.05)};
}"""


#: The mean luminance (0-1) of an image element's pixels.
MEAN_LUMINANCE = """img => {
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
  const context = canvas.getContext('2d');
  context.drawImage(img, 0, 0);
  const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
  let sum = 0;
  for (let i = 0; i < data.length; i += 4) sum += (data[i] + data[i + 1] + data[i + 2]) / 3;
  return sum / (data.length / 4) / 255;
}"""


def assert_dark_and_readable(page, selector):
    colours = page.locator(selector).first.evaluate(CONTRAST)
    assert colours["background"] < 0.2, f"{selector} is not on a dark background"
    assert colours["ratio"] >= 4.5, f"{selector} is hard to read: {colours}"


@pytest.fixture
def dark_app(free_port, tmp_path):
    command = [
        *(sys.executable, "-m", "mastwidgets", "app", "--sandbox", "--no-browser"),
        *(f"--port={free_port}", "--theme=dark"),
    ]
    env = app_environ(tmp_path)
    with running(command, env=env, name="app-dark"):
        yield f"http://127.0.0.1:{free_port}/"


def test_dark_theme_page_and_grid_are_dark_and_readable(browser, dark_app, request):
    page = browser.new_page(viewport={"width": 1300, "height": 1100})
    try:
        page.goto(dark_app, timeout=120_000)
        page.wait_for_selector("text=Search by", timeout=120_000)
        search(page, "M8", found="5 observations found for M8.")
        shot(page, "dark-theme-search")
        readable = [
            "h2:text('MAST search and import')",
            ".ag-center-cols-container .ag-row .ag-cell",
            ".ag-header-cell-text",
            "text=5 observations found for M8.",
        ]
        page.fill("input[placeholder='Filter...']", "MIRI")
        readable.append("input[placeholder='Filter...']")
        for selector in readable:
            assert_dark_and_readable(page, selector)
        page.fill("input[placeholder='Filter...']", "")
        page.locator(".mw-results .ag-row .ag-selection-checkbox").first.click()
        page.wait_for_selector("text=ticked of", timeout=60_000)
        page.wait_for_function(
            "() => { const i = document.querySelector('.mw-footprints');"
            " return i && i.complete && i.naturalWidth > 100; }",
            timeout=60_000,
        )
        for selector in (".mw-products .ag-center-cols-container .ag-cell", ".mw-facts td"):
            assert_dark_and_readable(page, selector)
        assert page.locator(".mw-footprints").evaluate(MEAN_LUMINANCE) < 0.3  # a dark figure
        assert_no_broken_images(page, "the search tab")
        assert_accessible(page, "the dark search tab")
        shot(page, "dark-theme-files")
        for tab, ready in (("Jobs", "button:has-text('Refresh')"), ("Catalog", ".mw-catalog")):
            page.get_by_role("tab", name=tab).click()
            page.wait_for_selector(ready, timeout=60_000)
            assert_no_broken_images(page, f"the {tab} tab")
            assert_accessible(page, f"the dark {tab} tab")
        page.get_by_role("tab", name="Search & import").click()
        search(page, "Nowhere Nebula")
        page.wait_for_selector(".mw-error", timeout=60_000)
        assert_dark_and_readable(page, ".mw-error")
    finally:
        shot(page, f"dark-theme-{getattr(request.node, 'execution_count', 1)}")
        page.close()
