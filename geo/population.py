"""2020 Census county populations: shipped for West Virginia, from a program's CSV for other states."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

DATA_DIR = Path(__file__).resolve().parent / "data"
# State FIPS -> bundled CSV (fips, name, population_2020); see data/SOURCES.md for provenance.
BUNDLED_POPULATIONS = {"54": DATA_DIR / "wv_counties.csv"}


class PopulationFileError(ValueError):
    """A populations CSV is missing, unreadable or not of the expected shape."""


def county_populations(state_fips: str, csv_path: Path | None = None) -> dict[str, int]:
    """Map 5-digit county FIPS -> 2020 population, from ``csv_path`` or the bundled file.

    The CSV needs a ``fips`` column and a ``population`` or ``population_2020`` column.
    Returns an empty dict when no figures are known for the state (rates per 10,000 then
    show as "no data").
    """
    path = csv_path or BUNDLED_POPULATIONS.get(state_fips)
    if path is None:
        return {}
    try:
        table = pd.read_csv(path, dtype={"fips": str})
    except (OSError, ValueError) as exc:
        raise PopulationFileError(f"cannot read populations file {path}: {exc}") from None
    column = next((c for c in ("population_2020", "population") if c in table.columns), None)
    if "fips" not in table.columns or column is None:
        raise PopulationFileError(
            f"populations file {path} needs the columns 'fips' and 'population' (or 'population_2020')"
        )
    fips = table["fips"].str.strip().str.zfill(5)
    values = pd.to_numeric(table[column], errors="coerce")
    bad = fips[values.isna() | (values < 0) | ~fips.str.fullmatch(r"\d{5}")]
    if len(bad):
        raise PopulationFileError(f"populations file {path}: bad row for FIPS {bad.iloc[0]!r}")
    return dict(zip(fips, values.astype(int), strict=True))
