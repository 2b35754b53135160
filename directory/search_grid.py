"""The search listing's grid: which cells a search circle covers whole, and which it only touches.

The listing keeps, per grid cell, how many providers have their first location there
(``SearchCell``). A count then adds those totals for the cells lying wholly inside the
circle and tests rows one by one only in the ring of cells the circle's edge crosses,
so its cost follows the circle's edge, not its area.

Cells are ``CELL_DEGREES`` square in latitude and longitude. A listing row's cell is
``(floor(lat / CELL_DEGREES), floor(lng / CELL_DEGREES))``: the fine cell. Coarser
levels group ``k`` by ``k`` fine cells (fine cell number ``// k``), so a wide circle adds
fewer, larger cells; ring rows are always found by fine cell, which the listing's index
starts with.

A cell counts as inside only when its four corners are inside with a margin: along a
parallel and along a meridian the distance to the centre has no interior maximum, so the
whole cell is then inside, and float rounding near the edge can only send a cell to
the ring, where rows are tested exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from directory.geo import Origin, bounding_box, min_closeness

CELL_DEGREES = 0.02
# Fine cells per side of a cell at each level; a search uses the finest level whose
# latitude strips across the circle number at most MAX_STRIPS.
LEVELS = (1, 3, 9)
MAX_STRIPS = 48
# Closeness margin for "the whole cell is inside": far above float rounding (~1e-16),
# yet only about a millimetre at the edge of a 25-mile circle.
_INSIDE_MARGIN = 1e-12


def fine_cell(lat: float, lng: float) -> tuple[int, int]:
    """The fine cell (row, column) holding a point."""
    return math.floor(lat / CELL_DEGREES), math.floor(lng / CELL_DEGREES)


def coarse(cell: tuple[int, int], level: int) -> tuple[int, int]:
    """The cell at ``level`` (fine cells per side) holding fine cell ``cell``."""
    return cell[0] // level, cell[1] // level


@dataclass(frozen=True)
class CircleCells:
    """How a search circle lies on the grid at one level.

    ``inside``: (row, first column, last column) runs of level cells wholly inside.
    ``ring``: (fine row, first fine column, last fine column) runs holding every other
    point of the circle; rows there are tested one by one.
    ``rows``: each fine row across the circle as (fine row, first fine column, last fine
    column, first inside fine column, last inside fine column); a row with no inside
    cells has an empty inside range (first after last).
    """

    level: int
    inside: list[tuple[int, int, int]]
    ring: list[tuple[int, int, int]]
    rows: list[tuple[int, int, int, int, int]]


def circle_cells(origin: Origin, radius_km: float) -> CircleCells | None:
    """The circle's cells, or None where a grid does not help (pole, 180th meridian, too wide)."""
    min_lat, max_lat, min_lng, max_lng = bounding_box(origin, radius_km)
    if min_lng <= -180 or max_lng >= 180:
        return None
    for level in LEVELS:
        size = CELL_DEGREES * level
        first_row, last_row = math.floor(min_lat / size), math.floor(max_lat / size)
        if last_row - first_row + 1 <= MAX_STRIPS:
            break
    else:
        return None
    first_column, last_column = math.floor(min_lng / size), math.floor(max_lng / size)
    circle = _Circle(origin, min_closeness(origin, radius_km) + _INSIDE_MARGIN)
    inside: list[tuple[int, int, int]] = []
    ring: list[tuple[int, int, int]] = []
    rows: list[tuple[int, int, int, int, int]] = []
    box = (first_column * level, (last_column + 1) * level - 1)  # in fine columns
    # Each parallel bounds two strips: its sine and cosine are computed once.
    parallels = [_parallel(row * size) for row in range(first_row, last_row + 2)]
    for row in range(first_row, last_row + 1):
        run = circle.inside_run(parallels[row - first_row : row - first_row + 2], size)
        if run is not None:
            inside.append((row, *run))
            spans = [(first_column, run[0] - 1), (run[1] + 1, last_column)]
            fine_run = (run[0] * level, (run[1] + 1) * level - 1)
        else:
            spans = [(first_column, last_column)]
            fine_run = (1, 0)
        for fine_row in range(row * level, (row + 1) * level):
            ring.extend(
                (fine_row, start * level, (stop + 1) * level - 1) for start, stop in spans if start <= stop
            )
            rows.append((fine_row, *box, *fine_run))
    return CircleCells(level=level, inside=inside, ring=ring, rows=rows)


class _Circle:
    """Closeness to the centre (dot product of unit vectors) of points on parallels, in trigonometry.

    A point at (lat, lng) has closeness ``sin(lat0) sin(lat) + cos(lat0) cos(lat) cos(lng - lng0)``,
    the same dot product the database computes from stored unit vectors.
    """

    def __init__(self, origin: Origin, closeness: float) -> None:
        self.lng = origin.lng
        self.sin0 = math.sin(math.radians(origin.lat))
        self.cos0 = math.cos(math.radians(origin.lat))
        self.closeness = closeness

    def inside_run(self, parallels: list[tuple[float, float]], size: float) -> tuple[int, int] | None:
        """First and last column of the cells between two parallels (``_parallel``) wholly inside, or None."""
        half = math.inf
        for sin, cos in parallels:
            denominator = self.cos0 * cos
            if denominator <= 0:
                return None
            cosine = (self.closeness - self.sin0 * sin) / denominator
            if cosine > 1:
                return None
            half = min(half, math.degrees(math.acos(max(-1.0, cosine))))
        first = math.ceil((self.lng - half) / size)
        last = math.floor((self.lng + half) / size) - 1
        # The formula found the run; the corners decide it, so rounding can only shrink it.
        # Closeness falls with the distance in longitude along a parallel, so the run's
        # outer corners are its farthest points on each parallel.
        while first <= last and not self._inside(parallels, first * size):
            first += 1
        while first <= last and not self._inside(parallels, (last + 1) * size):
            last -= 1
        return (first, last) if first <= last else None

    def _inside(self, parallels: list[tuple[float, float]], lng: float) -> bool:
        cos_lng = math.cos(math.radians(lng - self.lng))
        return all(self.sin0 * sin + self.cos0 * cos * cos_lng >= self.closeness for sin, cos in parallels)


def _parallel(lat: float) -> tuple[float, float]:
    """The sine and cosine of a parallel's latitude, as ``_Circle`` reads them."""
    radians = math.radians(lat)
    return math.sin(radians), math.cos(radians)
