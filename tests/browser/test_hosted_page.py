"""The page as a group's server hosts it, visited as a stranger would: a token, a data
root, a byte limit, served under a host name that is not localhost. The visitor's
browser must talk to that host alone, and nothing the visitor types may make the server
write outside the root."""

import os
import re
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from mastwidgets.app import voila_command
from mastwidgets.catalog import Catalog

from .conftest import (
    HOSTED_NAME,
    app_environ,
    console_errors,
    open_app,
    running,
    search,
    select_rows,
    shot,
    wait_for_pictures,
)

TOKEN = "visitor-token-for-tests"
LIMIT = "300 kB"  # one HST observation's science files (~190 kB) pass, two (~380 kB) do not


def files_under(folder):
    return sorted(p for p in folder.rglob("*") if p.is_file())


def cli_import(env, obs_id, dest):
    done = subprocess.run(
        [sys.executable, "-m", "mastwidgets", "import", obs_id, "--dest", str(dest)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()[1].rstrip(":")  # "Job <id>: N file(s)"


@pytest.fixture(scope="module")
def hosted(mast_sandbox, tmp_path_factory, free_port_module):
    """Voila as `mastwidgets app --data-root ... --token --max-import-bytes ...` runs it,
    with a job and records of the host's own outside the root, one job inside it, and a
    symbolic link in the root that leads out of it."""
    home = tmp_path_factory.mktemp("hosted")
    root, outside = home / "root", home / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "leads-out").symlink_to(outside, target_is_directory=True)
    host_env = app_environ(home, mast_sandbox)
    outside_job = cli_import(host_env, "icdm02020", outside / "private")
    env = app_environ(
        home,
        mast_sandbox,
        MASTWIDGETS_DATA_ROOT=str(root),
        MASTWIDGETS_DATA_DIR=str(root),
        MASTWIDGETS_MAX_IMPORT_BYTES=LIMIT,
        JUPYTER_TOKEN=TOKEN,
    )
    inside_job = cli_import(env, "icdm01020", "earlier")
    with running(voila_command(free_port_module, token=True), env=env, name="voila-hosted"):
        yield {
            "url": f"http://{HOSTED_NAME}:{free_port_module}/",
            "host": f"{HOSTED_NAME}:{free_port_module}",
            "home": home,
            "root": root,
            "outside": outside,
            "outside_job": outside_job,
            "inside_job": inside_job,
        }


@pytest.fixture
def visit(browser, hosted, request):
    """``visit(token)``: a fresh visitor's page, with its network log and console."""
    context = browser.new_context(viewport={"width": 1300, "height": 1400})
    page = context.new_page()
    page.requests = []
    page.messages = []
    page.console_errors = console_errors(page)
    page.on("request", lambda r: page.requests.append(r.url))
    page.on("console", lambda m: page.messages.append(m.text))

    def open_page(token=TOKEN):
        page.goto(hosted["url"] + (f"?token={token}" if token else ""), timeout=120_000)
        return page

    yield open_page
    attempt = getattr(request.node, "execution_count", 1)
    shot(page, f"hosted-{request.node.name}-end-{attempt}")
    context.close()


@pytest.fixture(scope="module")
def refusing_page(browser, hosted):
    """One visitor's page with M16 searched and one observation ticked, where the folders
    of the next test are typed one after another: each is refused, so the page stays as
    it was for the next (one page load, not five)."""
    page = open_app(browser, hosted["url"] + f"?token={TOKEN}", height=1400)
    search(page, "M16", found="observations found")
    select_rows(page, ["icdm02010"])
    page.wait_for_selector("text=1 observation(s) selected: 1 product(s) ticked", timeout=60_000)
    yield page
    assert page.console_errors == []
    page.context.close()


def test_a_visit_without_the_token_is_refused(visit):
    for token in (None, "wrong-token"):
        page = visit(token)
        page.wait_for_selector("text=Password or token", timeout=60_000)
        assert page.locator("text=Search by").count() == 0
        assert page.locator("text=MAST search and import").count() == 0
        assert page.locator("text=Setup a Password").count() == 0  # nobody may set one


def test_search_and_import_talk_only_to_the_page_host_with_no_licence_watermark(
    visit, hosted, mast_sandbox
):
    page = visit()
    page.wait_for_selector("text=Search by", timeout=120_000)
    assert page.locator("text=Save to data/").count() == 1  # folders relative to the root
    search(page, "M16", found="13 observations found for M16.")
    shot(page, "hosted-grid")
    select_rows(page, ["icdm01010"])
    page.wait_for_selector("text=1 observation(s) selected: 1 product(s) ticked", timeout=60_000)
    page.wait_for_function(  # the preview and footprints arrive through the kernel
        "() => document.querySelector('.mw-footprints') &&"
        " document.querySelector('.mw-footprints').naturalWidth > 100",
        timeout=60_000,
    )
    page.fill("input[placeholder^='a folder in the data folder']", "m16")
    page.click("button:has-text('Import')")
    page.wait_for_selector("text=1 file(s) to m16 (in the data folder)", timeout=60_000)
    page.wait_for_selector(".mw-job-status:text('done')", timeout=120_000)
    imported = files_under(hosted["root"] / "m16")
    assert [p.name for p in imported] == ["icdm01010_drz.fits"]
    for path in imported:
        assert (
            path.read_bytes() == mast_sandbox.path_of(f"mast:HST/product/{path.name}").read_bytes()
        )
    hosts = {
        urlsplit(url).netloc
        for url in page.requests
        if urlsplit(url).scheme in ("http", "https", "ws", "wss")
    }
    assert hosts == {hosted["host"]}, sorted(u for u in page.requests if hosted["host"] not in u)
    # Voila's core arrives as one script: a chunk asked for by itself is one that
    # mastwidgets.page_bundle.CHUNKS lacks (a Voila upgrade): add it there.
    core = [u for u in page.requests if "/voila/static/mastwidgets-core." in u]
    chunks = [u.rsplit("/", 1)[1] for u in page.requests if re.search(r"/\d+\.voila\.js", u)]
    assert len(core) == 1 and chunks == [], (core, chunks)
    # The page's 8 MB of JavaScript and CSS reach a visitor compressed (a quarter of it).
    sent, files = page.evaluate(
        "() => performance.getEntriesByType('resource').reduce("
        "(s, e) => [s[0] + e.transferSize, s[1] + e.decodedBodySize], [0, 0])"
    )
    assert files > 6e6 and sent < files / 3, (sent, files)
    assert page.locator(".ag-watermark").count() == 0
    licence = [m for m in page.messages if "AG Grid" in m or "licen" in m.lower()]
    assert licence == []
    assert "Traceback" not in page.content()
    assert page.console_errors == []


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("/etc", "outside the data root"),
        ("../..", "'..' would climb out"),
        ("leads-out", "leads outside the data root"),
        ("leads-out/m16", "leads outside the data root"),
        ("~", "home folders are outside"),
    ],
    ids=["absolute", "dotdot", "symlink-out", "below-symlink-out", "home"],
)
def test_a_folder_outside_the_root_is_refused_and_nothing_is_written(
    refusing_page, hosted, typed, why
):
    before = {folder: files_under(folder) for folder in (hosted["root"], hosted["outside"])}
    etc = set(os.listdir("/etc"))
    page = refusing_page
    page.fill("input[placeholder^='a folder in the data folder']", typed)
    page.click("button:has-text('Import')")  # waits for the button to be enabled again
    refused = page.locator(".mw-error", has_text=f"Refusing the folder {typed!r}")
    refused.wait_for(timeout=60_000)  # this folder's message, not the one before it
    message = refused.inner_text()
    assert message.startswith(f"Refusing the folder {typed!r}") and why in message
    shot(page, f"hosted-refused-{typed.strip('/.~').replace('/', '-') or 'dots'}")
    assert "\n" not in message.strip() and "Traceback" not in page.content()
    assert {folder: files_under(folder) for folder in before} == before
    assert set(os.listdir("/etc")) == etc


def test_an_import_over_the_limit_is_refused_naming_it(visit, hosted):
    before = files_under(hosted["root"])
    page = visit()
    page.wait_for_selector("text=Search by", timeout=120_000)
    search(page, "M16", found="observations found")
    select_rows(page, ["icdm01010", "icdm02010"])
    page.wait_for_selector("text=2 observation(s) selected: 2 product(s) ticked", timeout=60_000)
    page.click("button:has-text('All listed')")
    page.wait_for_selector("text=12 product(s) ticked of 12 listed", timeout=60_000)
    page.click("button:has-text('Import')")
    message = page.wait_for_selector(".mw-error", timeout=60_000).inner_text()
    assert "at most 300.0 kB per import (max_import_bytes)" in message
    assert files_under(hosted["root"]) == before


def test_jobs_and_catalog_tabs_show_only_the_root(visit, hosted):
    page = visit()
    page.wait_for_selector("text=Search by", timeout=120_000)
    page.click("text=Jobs")
    page.wait_for_selector(f"text={hosted['inside_job']}", timeout=60_000)
    listed = page.locator(".mw-job").all_inner_texts()
    assert all(hosted["outside_job"] not in row for row in listed)
    assert not any("icdm02020" in row for row in listed)
    row = page.locator(".widget-hbox", has=page.locator(".mw-job", has_text=hosted["inside_job"]))
    row.first.locator("button:has-text('Files')").click()
    page.wait_for_selector("text=earlier (in the data folder)", timeout=60_000)
    assert str(hosted["home"]) not in page.content()  # no server paths shown
    shot(page, "hosted-jobs")
    page.click("text=Catalog")
    page.wait_for_selector("text=file(s) in the catalog", timeout=60_000)
    page.wait_for_selector(".mw-catalog .ag-center-cols-container .ag-row", timeout=60_000)
    rows = page.locator(".mw-catalog .ag-center-cols-container .ag-row").all_inner_texts()
    assert any("icdm01020" in row for row in rows)
    assert not any("icdm02020" in row for row in rows)
    with Catalog(path=hosted["home"] / "catalog.sqlite") as catalog:
        assert {r["obs_id"] for r in catalog.find()} >= {"icdm01020", "icdm02020"}  # both exist


def test_a_visitors_basket_survives_a_reload_and_is_shared_only_by_its_link(browser, hosted):
    """The browser keeps the visitor's basket's id (not the address); "Copy basket link"
    shares it on purpose; a stranger without the link gets a basket of their own."""

    def visitor(url):
        context = browser.new_context(
            viewport={"width": 1300, "height": 1300},
            permissions=["clipboard-read", "clipboard-write"],
        )
        page = context.new_page()
        page.console_errors = console_errors(page)
        page.goto(url, timeout=120_000)
        page.wait_for_selector("text=Search by", timeout=120_000)
        return page

    page = visitor(hosted["url"] + f"?token={TOKEN}")
    search(page, "M16", found="observations found")
    select_rows(page, ["icdm01010"])
    page.wait_for_selector("text=1 observation(s) selected: 1 product(s) ticked", timeout=60_000)
    wait_for_pictures(page)
    page.click("button:has-text('Add to basket')")
    page.wait_for_selector("text=/added to the basket/", timeout=60_000)
    page.reload()
    page.get_by_role("tab", name="Basket (1)").wait_for(timeout=120_000)
    page.get_by_role("tab", name="Basket (1)").click()
    page.wait_for_selector("text=/1 file\\(s\\) in the basket/", timeout=60_000)
    page.click("button:has-text('Copy basket link')")
    # a plain-HTTP host name is no secure context: the page copies without the
    # Clipboard API, or says the link to copy; either way the link is shown
    said = page.locator(".mw-basket-panel .mw-status", has_text="basket").last
    said.filter(has_text=re.compile("copied|the basket's link is")).wait_for(timeout=60_000)
    link = re.search(r"(http://\S+\?basket=\S+?)[ )]", said.inner_text()).group(1)
    shot(page, "hosted-basket-link")
    assert re.fullmatch(re.escape(hosted["url"]) + r"\?basket=page-[0-9a-f]{32}", link), link
    assert TOKEN not in link and str(hosted["home"]) not in link

    colleague = visitor(link + f"&token={TOKEN}")  # the link, and their own token
    colleague.get_by_role("tab", name="Basket (1)").wait_for(timeout=60_000)
    stranger = visitor(hosted["url"] + f"?token={TOKEN}")
    stranger.get_by_role("tab", name="Basket", exact=True).wait_for(timeout=60_000)
    for each in (page, colleague, stranger):
        assert each.console_errors == []
        each.context.close()
