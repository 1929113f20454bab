"""Reading what users type for positions and radii, with astropy."""

from __future__ import annotations

import math

import astropy.units as u
from astropy.coordinates import Angle, SkyCoord

from ..errors import InvalidCoordinates, InvalidRadius, quoted

MAX_RADIUS = Angle(10, u.deg)
_FRAMES = {"icrs", "fk5", "fk4", "galactic"}
_HELP = (
    "Use decimal degrees ('270.904 -24.387'), sexagesimal ('18:03:37 -24:23:13') "
    "or angles with units ('18h03m37s -24d23m13s', '270.9d -24.4d'), optionally "
    "preceded by a frame ('galactic 6.0 -1.2')."
)


def _from_text(text: str) -> SkyCoord:
    words = text.replace(",", " ").split()
    frame = "icrs"
    if words and words[0].lower() in _FRAMES:
        frame, words = words[0].lower(), words[1:]
    body = " ".join(words)
    if not body:
        raise ValueError("no coordinates")
    if len(words) == 2 and all(_is_number(w) for w in words):  # decimal degrees
        return SkyCoord(float(words[0]), float(words[1]), unit="deg", frame=frame)
    if any(c.isalpha() for c in body):  # units in the text: 18h03m37s -24d23m13s
        return SkyCoord(body, frame=frame)
    if frame == "galactic":
        return SkyCoord(body, unit="deg", frame=frame)
    return SkyCoord(body, unit=(u.hourangle, u.deg), frame=frame)  # 18:03:37 -24:23:13


def _is_number(word: str) -> bool:
    try:
        return math.isfinite(float(word))
    except ValueError:
        return False


def parse_coordinates(value: SkyCoord | str | tuple | list) -> SkyCoord:
    """A scalar ICRS :class:`~astropy.coordinates.SkyCoord` from what a user gave.

    Never asks a name resolver: a string that is not coordinates is an error.

    Raises
    ------
    InvalidCoordinates
    """
    try:
        if isinstance(value, SkyCoord):
            coord = value
        elif isinstance(value, str):
            coord = _from_text(value.strip())
        elif isinstance(value, (tuple, list)) and len(value) == 2:
            ra, dec = value
            coord = SkyCoord(ra, dec, unit="deg")
        else:
            raise ValueError("not coordinates")
        if not coord.isscalar:
            raise ValueError("more than one position")
        coord = coord.icrs
        if not (math.isfinite(coord.ra.deg) and math.isfinite(coord.dec.deg)):
            raise ValueError("not finite")
    except (ValueError, TypeError, u.UnitsError) as error:
        reason = f" ({error})" if len(str(error)) <= 60 else ""  # astropy's may echo it all
        raise InvalidCoordinates(
            f"Could not read {quoted(value)} as sky coordinates{reason}. {_HELP}"
        ) from None
    return coord


def parse_radius(value: Angle | u.Quantity | str | float) -> Angle:
    """A search radius: an angle, a string with units ('3 arcmin'), or degrees.

    Raises
    ------
    InvalidRadius
        Not an angle, not positive, or larger than 10 degrees.
    """
    try:
        radius = Angle(value, u.deg) if isinstance(value, (int, float)) else Angle(value)
    except (ValueError, TypeError, u.UnitsError):
        raise InvalidRadius(
            f"Could not read {quoted(value)} as a radius: give an angle with units, e.g. "
            "'3 arcmin', '0.05 deg' or '20 arcsec' (a bare number means degrees)."
        ) from None
    if not radius.isscalar or not math.isfinite(radius.deg) or radius.deg <= 0:
        raise InvalidRadius(f"The search radius must be a positive angle, not {quoted(value)}.")
    if radius > MAX_RADIUS:
        raise InvalidRadius(
            f"A radius of {radius.deg:g} degrees is too large: MAST cone searches are "
            f"limited here to {MAX_RADIUS.deg:g} degrees. Narrow the search or use criteria."
        )
    return radius
