"""Where observations lie on the sky: their ``s_region`` (STC-S, as MAST gives it)
drawn with matplotlib, RA increasing to the left, as on the sky."""

from __future__ import annotations

import io
import math

import numpy as np

#: The most footprints drawn in one figure (the rest are counted in its title).
MAX_DRAWN = 2_000
_SHAPES = {"POLYGON", "CIRCLE"}
_FRAMES = {"ICRS", "FK5", "J2000", "GEOCENTER", "BARYCENTER", "TOPOCENTER", "UNKNOWNFRAME"}
COLOURS = {
    "light": {"face": "white", "ink": "#212121", "grid": "#bdbdbd", "shape": "#1565c0"},
    "dark": {"face": "#212121", "ink": "#eeeeee", "grid": "#616161", "shape": "#64b5f6"},
}
FOCUS = {"light": "#d81b60", "dark": "#ff80ab"}


def parse_s_region(text: str | None) -> list[tuple[str, np.ndarray]]:
    """The shapes of an STC-S region: ``("POLYGON", [[ra, dec], ...])`` or
    ``("CIRCLE", [ra, dec, radius])``, in degrees; [] for what it cannot read."""
    shapes: list[tuple[str, list[float]]] = []
    for word in str(text or "").replace("(", " ").replace(")", " ").split():
        upper = word.upper()
        if upper in _SHAPES:
            shapes.append((upper, []))
        elif upper in _FRAMES or not shapes:
            continue
        else:
            try:
                shapes[-1][1].append(float(word))
            except ValueError:
                continue  # UNION, NOT and the like: the shapes inside still count
    found = []
    for kind, numbers in shapes:
        if kind == "POLYGON" and len(numbers) >= 6 and len(numbers) % 2 == 0:
            found.append((kind, np.array(numbers).reshape(-1, 2)))
        elif kind == "CIRCLE" and len(numbers) == 3:
            found.append((kind, np.array(numbers)))
    return found


def _unwrapped(ra: np.ndarray, centre: float) -> np.ndarray:
    """RA within 180 degrees of ``centre`` (a field across RA 0 stays in one piece)."""
    return centre + (ra - centre + 180.0) % 360.0 - 180.0


def footprints_png(
    regions: list[str | None],
    *,
    focus: int | None = None,
    theme: str = "light",
    size: tuple[float, float] = (5.0, 4.0),
) -> bytes | None:
    """A PNG of these ``s_region`` footprints (``focus``: the index drawn highlighted);
    None if none can be read. At most ``MAX_DRAWN`` are drawn."""
    colours = COLOURS.get(theme, COLOURS["light"])
    parsed = [parse_s_region(r) for r in regions[:MAX_DRAWN]]
    points = [
        shape[:, 0] if kind == "POLYGON" else shape[:1]
        for shapes in parsed
        for kind, shape in shapes
    ]
    if not points:
        return None
    # matplotlib when a figure is drawn, not when the app starts (a second of every kernel)
    from matplotlib.figure import Figure
    from matplotlib.patches import Ellipse, Polygon
    from matplotlib.ticker import MaxNLocator

    ras = np.concatenate(points)
    centre = math.degrees(np.angle(np.exp(1j * np.radians(ras)).mean())) % 360.0
    figure = Figure(figsize=size, dpi=100, facecolor=colours["face"])
    axes = figure.add_subplot()
    axes.set_facecolor(colours["face"])
    low, high = [np.inf, np.inf], [-np.inf, -np.inf]
    for index, shapes in enumerate(parsed):
        highlighted = index == focus
        colour = FOCUS.get(theme, FOCUS["light"]) if highlighted else colours["shape"]
        for kind, shape in shapes:
            style = {
                "fill": highlighted,
                "alpha": 0.35 if highlighted else 0.9,
                "edgecolor": colour,
                "facecolor": colour,
                "linewidth": 2.0 if highlighted else 1.0,
                "zorder": 3 if highlighted else 2,
            }
            if kind == "POLYGON":
                xy = np.column_stack([_unwrapped(shape[:, 0], centre), shape[:, 1]])
                axes.add_patch(Polygon(xy, closed=True, **style))
                corners = xy
            else:
                ra, dec, radius = _unwrapped(shape[0], centre), shape[1], shape[2]
                stretch = 1.0 / max(math.cos(math.radians(dec)), 1e-3)
                # a circle on the sky spans radius / cos(dec) degrees of RA
                axes.add_patch(Ellipse((ra, dec), 2 * radius * stretch, 2 * radius, **style))
                corners = np.array(
                    [[ra - radius * stretch, dec - radius], [ra + radius * stretch, dec + radius]]
                )
            low = np.minimum(low, corners.min(axis=0))
            high = np.maximum(high, corners.max(axis=0))
    middle_dec = (low[1] + high[1]) / 2
    pad = max(high[1] - low[1], (high[0] - low[0]) * math.cos(math.radians(middle_dec))) * 0.08
    pad = max(pad, 1 / 3600)
    axes.set_xlim(high[0] + pad, low[0] - pad)  # RA grows to the left
    axes.set_ylim(low[1] - pad, high[1] + pad)
    axes.set_aspect(1.0 / max(math.cos(math.radians(middle_dec)), 1e-3), adjustable="box")
    axes.grid(True, color=colours["grid"], linewidth=0.5, zorder=0)
    axes.set_xlabel("RA (deg)", color=colours["ink"])
    axes.set_ylabel("Dec (deg)", color=colours["ink"])
    axes.tick_params(colors=colours["ink"], labelsize=8)
    axes.xaxis.set_major_locator(MaxNLocator(4))
    for spine in axes.spines.values():
        spine.set_color(colours["grid"])
    shown = sum(1 for shapes in parsed if shapes)
    title = f"{shown:,} footprint{'s' if shown != 1 else ''}"
    if len(regions) > MAX_DRAWN:
        title += f" (first {MAX_DRAWN:,} of {len(regions):,})"
    if focus is not None and 0 <= focus < len(regions):
        title += " (highlighted: the one in the preview)"
    axes.set_title(title, color=colours["ink"], fontsize=9)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", facecolor=colours["face"])
    return buffer.getvalue()
