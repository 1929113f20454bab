"""Is the Voila page responsive while an import runs?

    .venv/bin/python benchmarks/page_responsiveness.py

Serves the app with Voila against a sandbox with 3 files of ``--size-mb``
(HTTP throttled per connection so the import lasts a few seconds), starts the
import from a real headless Chromium, and while the bars move clicks the Jobs
and types catalog queries, timing each from the key press until the kernel's
answer is on the page (a full round trip: browser, kernel, a background
thread, widgets, browser). Target: < 200 ms at the 95th percentile.

``--many``: the import is instead the sandbox's 15,000-file observation
(``Sandbox(scale=...)``, files made on request by the sandbox in this process),
about 15,000 small files and records.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))

from _page import open_observation, start_voila

from mastwidgets.sandbox import Faults, Sandbox

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=60)
    parser.add_argument("--throttle-mb", type=float, default=8.0, help="MB/s per connection")
    parser.add_argument("--many", action="store_true", help="import 15,000 small files instead")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    home = Path(tempfile.mkdtemp(prefix="mastwidgets-page-"))
    sandbox = (
        Sandbox(scale=1_000, s3=False)
        if args.many
        else Sandbox(file_size=args.size_mb * 10**6, obs_ids=["icdm01010"], s3=False)
    )
    with sandbox as sb:
        obs_id = next(iter(sb.big_observations)) if args.many else "icdm01010"
        voila, url = start_voila(home, **sb.environ())
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path="/usr/bin/chromium", args=FLAGS
                )
                page = browser.new_page(viewport={"width": 1300, "height": 1400})
                open_observation(page, url, obs_id)
                page.locator(".ag-row", has_text=obs_id).first.locator(
                    ".ag-selection-checkbox"
                ).click()
                page.wait_for_selector("text=observation(s) selected", timeout=60_000)
                page.click("button:has-text('All listed')")  # every file, not MAST's few
                summary = page.wait_for_selector("text=ticked of", timeout=60_000)
                page.wait_for_function(
                    "() => { const t = document.body.innerText.match(/(\\S+) product\\(s\\) "
                    "ticked of (\\S+) listed/); return t && t[1] === t[2]; }",
                    timeout=60_000,
                )
                files = summary.inner_text().split(": ")[1].split()[0]
                page.click("button:has-text('HTTP only')")
                if not args.many:
                    sb.set_faults(Faults(throttle=int(args.throttle_mb * 10**6)))
                began = time.perf_counter()
                page.click("button:has-text('Import')")
                page.wait_for_selector(".mw-file-status[data-status='downloading']", timeout=60_000)
                page.click("text=Catalog")
                clicks = []
                while not page.query_selector(".mw-job-status:text('done')"):
                    probe = f"probe{len(clicks)}"
                    clicked = time.perf_counter()
                    page.fill("input[placeholder^='M16,']", probe)
                    page.keyboard.press("Enter")
                    page.wait_for_selector(f"text=with target = {probe}.", timeout=10_000)
                    clicks.append(time.perf_counter() - clicked)
                elapsed = time.perf_counter() - began
                browser.close()
        finally:
            voila.terminate()
            voila.wait()
    ms = sorted(c * 1000 for c in clicks)
    what = (
        f"{files} files (the sandbox's big observation)"
        if args.many
        else f"3 × {args.size_mb} MB at {args.throttle_mb} MB/s per connection"
    )
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    print(
        f"Import of {what} took {elapsed:.1f} s; {len(ms)} clicks during it answered in "
        f"median {statistics.median(ms):.0f} ms, 95th percentile {p95:.0f} ms, slowest "
        f"{ms[-1]:.0f} ms (target < 200 ms at the 95th percentile)."
    )


if __name__ == "__main__":
    main()
