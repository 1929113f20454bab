"""The basket: files from several searches, kept in the state folder across processes,
with its totals, one import of everything, and a snippet that finds them again."""

import subprocess
import sys

import pytest

import mastwidgets as mw
from mastwidgets.errors import InvalidQuery


def test_files_from_two_searches_outlive_the_process_and_import_at_once(sandbox_env):
    basket = mw.Basket()
    m16 = mw.list_products("icdm01010", mrp_only=True)
    m8 = mw.list_products(mw.search_target("M8").head(1), mrp_only=True)
    assert basket.add(m16) == len(m16) == 1
    assert basket.add(m16) == 0  # the same file is not added twice
    assert basket.add(m8) == len(m8) > 0
    expected = set(m16["dataURI"]) | set(m8["dataURI"])
    # another process (a restarted kernel) finds the same basket
    listed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import mastwidgets as mw; b = mw.Basket();print('\\n'.join(b.products['dataURI']))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert set(listed) == expected
    totals = basket.totals()
    assert totals.files == len(expected) and totals.here == 0 and totals.exclusive == 0
    assert totals.bytes == int(m16["size"].sum() + m8["size"].sum())
    result = basket.import_all().wait(timeout=120)
    assert result.ok and len(result.records) == len(expected)
    assert mw.Basket().totals().here == len(expected)  # imported: here already
    # a snippet a colleague can run finds exactly these files
    code = basket.snippet()
    assert "import_observations" in code and "token" not in code.lower()
    scope: dict = {}
    exec(code.replace("job = mw.import_observations(products=products)", ""), scope)
    assert set(scope["products"]["dataURI"]) == expected


def test_remove_clear_and_names(sandbox_env):
    basket = mw.Basket("m16-hst")
    basket.add(mw.list_products("icdm01010"))
    first = basket.products["dataURI"].iloc[0]
    assert basket.remove([first]) == 1 and first not in set(basket.products["dataURI"])
    assert first not in set(mw.Basket("m16-hst").products["dataURI"])
    assert len(mw.Basket()) == 0  # another basket
    basket.clear()
    assert len(mw.Basket("m16-hst")) == 0
    with pytest.raises(InvalidQuery, match="empty"):
        basket.import_all()
    for bad in ("../escape", "a/b", "", ".hidden", "x" * 65):
        with pytest.raises(InvalidQuery, match="basket's name"):
            mw.Basket(bad)
    assert not list(sandbox_env.state_dir.parent.glob("escape*"))


def test_a_broken_basket_file_is_a_typed_error(sandbox_env):
    basket = mw.Basket("broken")
    basket.path.parent.mkdir(parents=True, exist_ok=True)
    basket.path.write_text("{not json")
    with pytest.raises(InvalidQuery, match="cannot be read"):
        mw.Basket("broken")
