"""The tables behind the analytics charts, with readers' column names. Pure pandas.

Counts stay whole numbers and rates stay numbers (percent, one decimal; empty = no data), so a
downloaded CSV or workbook can be summed and charted again.
"""

from __future__ import annotations

import pandas as pd

from dashboard import measures
from dashboard.charts import PATHWAY_LABELS
from dashboard.data import NOT_YOUR_REGION

COUNT_NAMES = {"referrals": "Referrals", "assessments_completed": "Assessed within 30 days", "enrolled": "Enrolled"}
ENROLLMENT, ASSESSMENT, PER_10K = "Enrollment rate (%)", "30-day assessment rate (%)", "Referrals per 10,000"


def _percent(values) -> pd.Series:
    return pd.Series(pd.array(pd.Series(values, dtype="Float64") * 100, dtype="Float64")).round(1)


def _with_rates(frame: pd.DataFrame) -> pd.DataFrame:
    counts = frame.loc[:, list(COUNT_NAMES)].astype("Float64")
    out = frame.copy()
    out[ENROLLMENT] = _percent(measures.enrollment_rate(counts["enrolled"], counts["referrals"])).to_numpy()
    out[ASSESSMENT] = _percent(measures.assessment_rate(counts["assessments_completed"],
                                                        counts["referrals"])).to_numpy()
    return out


def pathway_table(totals: pd.DataFrame) -> pd.DataFrame:
    """One row per pathway and an 'All pathways' row, with both rates."""
    frame = totals.copy()
    frame["pathway"] = frame["pathway"].map(PATHWAY_LABELS).fillna(frame["pathway"])
    total = {"pathway": "All pathways", **{c: int(frame[c].sum()) for c in COUNT_NAMES}}
    frame = pd.concat([frame, pd.DataFrame([total])], ignore_index=True)
    return _with_rates(frame).rename(columns={"pathway": "Pathway", **COUNT_NAMES})


def county_table(map_table: pd.DataFrame) -> pd.DataFrame:
    """Every county on the map the viewer may name, with its status (a partner's table leaves out other
    regions' counties; counties outside the program are listed, with no numbers)."""
    map_table = map_table[map_table["status"] != NOT_YOUR_REGION]
    frame = map_table.loc[:, ["county", "fips", "status", "partner_name", "region", "population",
                              *COUNT_NAMES]].copy()
    frame = _with_rates(frame)
    frame[PER_10K] = pd.array(map_table["referrals_per_10k"], dtype="Float64").round(2)
    return frame.rename(columns={"county": "County", "fips": "FIPS", "status": "Status",
                                 "partner_name": "Partner", "region": "Region", "population": "Population (2020)",
                                 **COUNT_NAMES})


def trend_table(frame: pd.DataFrame, group_label: str) -> pd.DataFrame:
    """Month by month per group: whether a report came, referrals, 3-month mean and running total."""
    out = pd.DataFrame({
        "Month": frame["month"].dt.strftime("%Y-%m"),
        group_label: frame["group"].map(lambda g: PATHWAY_LABELS.get(g, g)),
        "Report received": frame["reported"].map({True: "yes", False: "no report"}),
        "Referrals": frame["referrals"],
        "Referrals, 3-month mean": pd.array(frame["rolling_3"], dtype="Float64").round(1),
        "Cumulative referrals": frame["cumulative"],
    })
    return out.sort_values(["Month", group_label]).reset_index(drop=True)


def region_rates_table(regions: pd.DataFrame) -> pd.DataFrame:
    frame = _with_rates(regions.loc[:, ["region", "partner_name", *COUNT_NAMES]])
    return frame.rename(columns={"region": "Region", "partner_name": "Partner", **COUNT_NAMES})


def monthly_rates_table(monthly: pd.DataFrame) -> pd.DataFrame:
    frame = monthly.loc[:, ["month", "reported", *COUNT_NAMES]].copy()
    frame["month"] = frame["month"].dt.strftime("%Y-%m")
    frame["reported"] = frame["reported"].map({True: "yes", False: "no report"})
    frame = _with_rates(frame)
    return frame.rename(columns={"month": "Month", "reported": "Report received", **COUNT_NAMES})


def funnel_table(referrals: int, assessed: int, enrolled: int) -> pd.DataFrame:
    values = {"Referred": referrals, "Assessed within 30 days": assessed, "Enrolled": enrolled}
    shares = [measures.rate(v, referrals) for v in values.values()]
    return pd.DataFrame({"Stage": list(values), "People": list(values.values()),
                         "Share of referrals (%)": _percent(shares).to_numpy()})
