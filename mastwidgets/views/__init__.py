"""Ways to look at data and jobs without the app: a quick look at a file (image,
spectrum or light curve, with its header), the footprints of observations on the
sky, an image in jdaviz's Imviz, and a tqdm progress bar of a running job.

Each loads its plotting library only when asked for (the command line's progress
bar needs no matplotlib).
"""

from importlib import import_module

_WHERE = {
    "NotViewable": "._quicklook",
    "QuickLook": "._quicklook",
    "quicklook": "._quicklook",
    "footprints_png": ".footprints",
    "parse_s_region": ".footprints",
    "TqdmProgress": ".progress",
    "ImvizUnavailable": ".imviz",
    "imviz_available": ".imviz",
    "show_in_imviz": ".imviz",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name in _WHERE:
        value = getattr(import_module(_WHERE[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
