"""Ways to look at data and jobs without the app: a quick look at a file (image,
spectrum or light curve, with its header), the footprints of observations on the
sky, an image in jdaviz's Imviz, and a tqdm progress bar of a running job.

Each loads its plotting library only when asked for (the command line's progress
bar needs no matplotlib).
"""

from .._lazy import attach

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


__getattr__, __dir__ = attach(__name__, _WHERE)
