"""The suite fails on a deprecation warned of in mastwidgets' own code (pyproject's
filterwarnings): a check that the filter catches what it must."""

import warnings

import pytest


def test_a_deprecation_warned_from_mastwidgets_code_fails_the_suite():
    code = compile("warnings.warn('old', DeprecationWarning, stacklevel=1)", "m.py", "exec")
    with pytest.raises(DeprecationWarning):
        exec(code, {"warnings": warnings, "__name__": "mastwidgets.views.imviz"})
    exec(code, {"warnings": warnings, "__name__": "somebody_else"})  # theirs: not ours to fix
