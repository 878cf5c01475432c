"""Every measure the dashboard and its exports show, defined once (DESIGN.md section 7).

- enrollment rate = enrolled / referrals of the same referral months
- 30-day assessment rate = assessments_completed / referrals
- referrals per 10,000 residents = referrals / population x 10,000

A rate whose denominator is zero (or unknown) is "no data": NaN in a table, never 0% or an error.
Pure pandas/numpy: no streamlit, no database.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

NATIONAL_ENROLLMENT_REFERENCE = 0.90  # nationally about 90% of people referred to LEAD enroll
ASSESSMENT_WINDOW_DAYS = 30
NO_DATA = "no data"


def rate(numerator, denominator):
    """numerator / denominator, element-wise; NaN where the denominator is 0 or missing."""
    num, den = _floats(numerator), _floats(denominator)
    with np.errstate(divide="ignore", invalid="ignore"):
        result = np.where((den > 0) & np.isfinite(den), num / den, np.nan)
    return float(result) if result.ndim == 0 else result


def _floats(values) -> np.ndarray:
    if isinstance(values, pd.Series | pd.Index | list | tuple | np.ndarray):
        return pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    return np.asarray(np.nan if _missing(values) else values, dtype="float64")


def enrollment_rate(enrolled, referrals):
    return rate(enrolled, referrals)


def assessment_rate(assessments_completed, referrals):
    return rate(assessments_completed, referrals)


def per_10k(referrals, population):
    value = rate(referrals, population)
    return value * 10_000


def add_rates(frame: pd.DataFrame, population_column: str | None = None) -> pd.DataFrame:
    """Add enrollment_rate, assessment_rate (and referrals_per_10k) to a frame of summed counts."""
    out = frame.copy()
    out["enrollment_rate"] = enrollment_rate(out["enrolled"], out["referrals"])
    out["assessment_rate"] = assessment_rate(out["assessments_completed"], out["referrals"])
    if population_column:
        out["referrals_per_10k"] = per_10k(out["referrals"], out[population_column])
    return out


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def format_rate(value) -> str:
    """0.875 -> '87.5%'; no denominator -> 'no data'."""
    return NO_DATA if _missing(value) else f"{value:.1%}"


def format_per_10k(value) -> str:
    return NO_DATA if _missing(value) else f"{value:.1f} per 10,000"
