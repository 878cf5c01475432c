"""County tables and simplified county shapes, read with geopandas from the plotly-geo wheel.

The wheel ships the Census Bureau's 2016 cartographic boundary shapefiles at 1:500,000. Reading
one state's counties takes ~35 ms, but simplifying them costs more, so the GeoJSON is cached on
disk (keyed by the wheel's version and the tolerance, so a stale cache is never read) and in
memory.
"""

from __future__ import annotations

import functools
import json
import os
import re
import tempfile
from importlib import metadata
from pathlib import Path

import _plotly_geo
import numpy as np
import pandas as pd
import shapely

from geo.population import county_populations

SHAPE_DIR = Path(_plotly_geo.__file__).resolve().parent / "package_data"
COUNTY_SHAPEFILE = SHAPE_DIR / "cb_2016_us_county_500k.shp"
STATE_SHAPEFILE = SHAPE_DIR / "cb_2016_us_state_500k.shp"
# ~500 m: invisible at state scale, and it brings West Virginia's 55 counties to ~60 KB.
SIMPLIFY_DEGREES = 0.005
COORDINATE_DECIMALS = 5
_STATE_FIPS = re.compile(r"\d{2}")


class UnknownStateError(ValueError):
    """The state FIPS code is not one of the Census Bureau's states or territories."""


def _check_state_fips(state_fips: str) -> str:
    # The value goes into the shapefile reader's WHERE clause, so only two digits may pass.
    if not isinstance(state_fips, str) or not _STATE_FIPS.fullmatch(state_fips):
        raise UnknownStateError(f"state FIPS must be two digits, e.g. '54'; got {state_fips!r}")
    return state_fips


@functools.cache
def _states() -> pd.DataFrame:
    import geopandas

    return geopandas.read_file(STATE_SHAPEFILE, columns=["STATEFP", "NAME"], read_geometry=False)


def state_name(state_fips: str) -> str:
    """The state's name as the Census Bureau spells it, e.g. '54' -> 'West Virginia'."""
    _check_state_fips(state_fips)
    match = _states().loc[lambda t: t["STATEFP"] == state_fips, "NAME"]
    if match.empty:
        raise UnknownStateError(f"there is no state with FIPS {state_fips!r}")
    return str(match.iloc[0])


def _read_counties(state_fips: str, with_shapes: bool):
    import geopandas

    _check_state_fips(state_fips)
    frame = geopandas.read_file(
        COUNTY_SHAPEFILE,
        columns=["STATEFP", "GEOID", "NAME"],
        where=f"STATEFP = '{state_fips}'",
        read_geometry=with_shapes,
    )
    if frame.empty:
        raise UnknownStateError(f"no counties found for state FIPS {state_fips!r}")
    return frame.sort_values("GEOID").reset_index(drop=True)


@functools.cache
def _county_names(state_fips: str) -> pd.DataFrame:
    frame = _read_counties(state_fips, with_shapes=False)
    return pd.DataFrame({"fips": frame["GEOID"].astype(str), "name": frame["NAME"].astype(str)})


def county_table(state_fips: str, populations_csv: Path | None = None) -> pd.DataFrame:
    """Columns ``fips`` (5-digit text), ``name`` and ``population`` (2020; <NA> where unknown)."""
    table = _county_names(state_fips).copy()
    populations = county_populations(state_fips, populations_csv)
    table["population"] = pd.array([populations.get(f) for f in table["fips"]], dtype="Int64")
    return table


def _cache_path(state_fips: str, cache_dir: Path) -> Path:
    version = metadata.version("plotly-geo")
    return cache_dir / "geo" / f"counties_{state_fips}_plotly-geo-{version}_tol{SIMPLIFY_DEGREES}.geojson"


def build_county_geojson(state_fips: str) -> dict:
    """Simplified county shapes as a GeoJSON FeatureCollection; feature ``id`` = 5-digit FIPS."""
    frame = _read_counties(state_fips, with_shapes=True).set_crs(4269)
    geometry = frame.geometry.simplify(SIMPLIFY_DEGREES, preserve_topology=True)
    geometry = shapely.transform(geometry.values, lambda xy: np.round(xy, COORDINATE_DECIMALS))
    features = [
        {
            "type": "Feature",
            "id": geoid,
            "properties": {"name": name},
            "geometry": shapely.geometry.mapping(shape),
        }
        for geoid, name, shape in zip(frame["GEOID"], frame["NAME"], geometry, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


def county_geojson(state_fips: str, cache_dir: Path) -> dict:
    """The state's simplified county GeoJSON, from the disk cache or built (and cached) now."""
    _check_state_fips(state_fips)
    return _county_geojson_cached(state_fips, Path(cache_dir))


@functools.cache
def _county_geojson_cached(state_fips: str, cache_dir: Path) -> dict:
    path = _cache_path(state_fips, cache_dir)
    if path.exists():
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass  # a damaged cache is rebuilt below
    geojson = build_county_geojson(state_fips)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(geojson, out, separators=(",", ":"))
    os.replace(tmp, path)
    return geojson
