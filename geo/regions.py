"""Partner regions as outlines: each partner's counties dissolved into one shape, as map lines.

The county shapes are simplified one by one, so neighbours no longer share their borders
exactly; a small buffer out and back in closes the slivers before the union, so a region's
outline is only its outer edge.
"""

from __future__ import annotations

import shapely
from shapely.geometry import shape

SLIVER_DEGREES = 0.002  # ~200 m, wider than the simplification's gaps, far below what a map shows


def region_outlines(geojson: dict, partner_of_county: dict[str, str]) -> dict[str, tuple[list, list]]:
    """Partner code -> (longitudes, latitudes) of its region's outline, rings separated by None."""
    shapes: dict[str, list] = {}
    for feature in geojson["features"]:
        partner = partner_of_county.get(str(feature["id"]))
        if partner is not None:
            shapes.setdefault(partner, []).append(shape(feature["geometry"]))
    outlines = {}
    for partner, parts in shapes.items():
        region = shapely.union_all([p.buffer(SLIVER_DEGREES) for p in parts]).buffer(-SLIVER_DEGREES)
        lons: list = []
        lats: list = []
        polygons = getattr(region, "geoms", [region])
        for polygon in polygons:
            xs, ys = polygon.exterior.coords.xy
            lons.extend([round(x, 5) for x in xs] + [None])
            lats.extend([round(y, 5) for y in ys] + [None])
        outlines[partner] = (lons, lats)
    return outlines

