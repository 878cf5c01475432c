"""Every measure against numbers computed by hand."""

import math

import pandas as pd
import pytest

from dashboard.measures import (
    NATIONAL_ENROLLMENT_REFERENCE,
    add_rates,
    assessment_rate,
    enrollment_rate,
    format_per_10k,
    format_rate,
    per_10k,
)


def test_enrollment_rate_is_enrolled_over_referrals():
    assert enrollment_rate(9, 10) == pytest.approx(0.9)
    assert enrollment_rate(7, 8) == pytest.approx(0.875)


def test_assessment_rate_is_assessments_over_referrals():
    assert assessment_rate(3, 4) == pytest.approx(0.75)


def test_per_10k_uses_the_population():
    # Kanawha County, 2020 population 180,745: 18 referrals -> 18 / 180745 * 10000 = 0.99588...
    assert per_10k(18, 180_745) == pytest.approx(0.995878, rel=1e-5)


def test_a_zero_or_missing_denominator_is_no_data_never_zero():
    assert math.isnan(enrollment_rate(0, 0))
    assert math.isnan(per_10k(5, 0))
    assert math.isnan(per_10k(5, float("nan")))
    assert format_rate(enrollment_rate(0, 0)) == "no data"
    assert format_per_10k(per_10k(5, None)) == "no data"
    assert format_rate(0.0) == "0.0%"  # a real zero (referrals, none enrolled) stays 0%


def test_rates_on_a_table():
    frame = pd.DataFrame({"referrals": [10, 0, 4], "assessments_completed": [6, 0, 1], "enrolled": [9, 0, 4],
                          "population": [100_000, 50_000, pd.NA]})
    out = add_rates(frame, population_column="population")
    assert out["enrollment_rate"].tolist()[0] == pytest.approx(0.9)
    assert math.isnan(out["enrollment_rate"].tolist()[1])
    assert out["assessment_rate"].tolist()[2] == pytest.approx(0.25)
    assert out["referrals_per_10k"].tolist()[0] == pytest.approx(1.0)
    assert math.isnan(out["referrals_per_10k"].tolist()[2])


def test_the_national_reference_is_90_percent():
    assert NATIONAL_ENROLLMENT_REFERENCE == 0.9
