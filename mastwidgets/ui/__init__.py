"""The Jupyter UI: ``from mastwidgets.ui import App; App()`` in a cell.

This first version searches MAST (target, coordinates, observation ID) and
shows the observations in a sortable, filterable grid. Every control calls
the public API (:mod:`mastwidgets.mast`); nothing here talks to MAST itself.
"""

from ._search_panel import App, SearchPanel

__all__ = ["App", "SearchPanel"]
