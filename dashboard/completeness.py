"""Reporting completeness: for each partner and month, was the report received, and on time?

A month's report is due by the program's ``report_due_day`` of the next month (end of that day,
UTC). Pure pandas over the submissions table (``dashboard.data.submissions``): no streamlit.

Cell statuses:
- ``on_time`` / ``late``: the first accepted file covering the month arrived by / after the due date;
- ``superseded``: accepted, then replaced by a later file (a correction); ``timeliness`` keeps
  whether the first one was on time;
- ``rejected``: files were sent for the month but every one was rejected;
- ``missing``: nothing accepted and the due date has passed;
- ``not_due``: nothing yet, and it is not due yet.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

ACCEPTED = ("loaded", "already_loaded", "superseded", "partly_superseded")
STATUS_LABELS = {"on_time": "received on time", "late": "received late", "superseded": "corrected (superseded)",
                 "rejected": "rejected", "missing": "missing", "not_due": "not due yet"}


def due_date(month: dt.date, due_day: int) -> dt.datetime:
    """The end of ``due_day`` in the month after ``month``, UTC."""
    year, number = (month.year + 1, 1) if month.month == 12 else (month.year, month.month + 1)
    return dt.datetime(year, number, due_day, tzinfo=dt.UTC) + dt.timedelta(days=1)


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    months, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(dt.date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


# The grid's columns and their types (the same whatever the data: no inference from the values).
GRID_TYPES = {"partner": "str", "month": "str", "status": "str", "timeliness": "str", "due": "datetime64[us, UTC]",
              "first_received": "datetime64[us, UTC]", "last_received": "datetime64[us, UTC]",
              "last_submission_id": "Int64"}


def reporting_grid(submissions: pd.DataFrame, partners: list[str], months: list[dt.date], due_day: int,
                   now: dt.datetime) -> pd.DataFrame:
    """One row per partner and month: status, timeliness, due, first/last received, last submission id.

    ``submissions`` needs the columns id, partner, received_at (aware, UTC), status and months (a
    list of "YYYY-MM" per file). Vectorised, so decades of monthly files (30,000 rows) take
    milliseconds. ``timeliness`` is missing (NaN) where nothing was accepted.
    """
    labels = [f"{month:%Y-%m}" for month in months]
    grid = pd.DataFrame({"partner": [p for p in partners for _ in labels], "month": labels * len(partners)})
    grid["due"] = pd.to_datetime([due_date(month, due_day) for month in months] * len(partners), utc=True)
    # One row per file and month it covers, in the order the files arrived.
    files = submissions.loc[:, ["id", "partner", "received_at", "status", "months"]].explode("months")
    files["received_at"] = pd.to_datetime(files["received_at"], utc=True)
    files = files[files["months"].isin(labels) & files["partner"].isin(partners)].rename(columns={"months": "month"})
    files = files.sort_values(["received_at", "id"], kind="stable")
    cell = ["partner", "month"]
    accepted = files[files["status"].isin(ACCEPTED)]
    last = files.groupby(cell, sort=False).tail(1).set_index(cell)
    per_cell = pd.DataFrame({
        "first_received": accepted.groupby(cell, sort=False)["received_at"].first(),
        "loads": accepted[accepted["status"] != "already_loaded"].groupby(cell, sort=False).size(),
        "last_received": last["received_at"], "last_submission_id": last["id"],
    })
    if files.empty:  # nothing to join (and an empty frame's keys have no useful type)
        no_time = pd.Series(pd.NaT, index=grid.index, dtype=GRID_TYPES["first_received"])
        grid = grid.assign(first_received=no_time, loads=0, last_received=no_time, last_submission_id=pd.NA)
    else:
        grid = grid.join(per_cell, on=cell)
    grid = grid.astype({name: GRID_TYPES[name] for name in ("first_received", "last_received", "last_submission_id")})
    accepted_cell = grid["first_received"].notna().to_numpy()
    any_file = grid["last_submission_id"].notna().to_numpy()
    timeliness = np.where((grid["first_received"] <= grid["due"]).to_numpy(), "on_time", "late")
    superseded = grid["loads"].fillna(0).to_numpy() > 1
    overdue = (grid["due"] <= now).to_numpy()
    grid["status"] = np.where(accepted_cell, np.where(superseded, "superseded", timeliness),
                              np.where(any_file, "rejected", np.where(overdue, "missing", "not_due")))
    grid["timeliness"] = np.where(accepted_cell, timeliness, None)
    return grid.loc[:, list(GRID_TYPES)].astype(GRID_TYPES)


def last_complete_month(grid: pd.DataFrame) -> str | None:
    """The latest month for which every partner in the grid has an accepted report."""
    if grid.empty:
        return None
    accepted = grid["status"].isin(("on_time", "late", "superseded"))
    complete = accepted.groupby(grid["month"]).all()
    months = complete[complete].index
    return str(max(months)) if len(months) else None


def late_partners(grid: pd.DataFrame) -> list[str]:
    """Partners whose report for the most recent month already due is missing (or only rejected)."""
    due = grid[grid["status"] != "not_due"]
    if due.empty:
        return []
    latest = due["month"].max()
    overdue = due[(due["month"] == latest) & due["status"].isin(("missing", "rejected"))]
    return overdue["partner"].tolist()


# --- The grid as people read it (operations page, issue 5) ---------------------------------------

# A symbol and words in every cell: the grid reads the same without colour, on screen and printed.
STATUS_SYMBOLS = {"on_time": "✔", "late": "◷", "superseded": "↻", "rejected": "✖", "missing": "—",
                  "not_due": "·"}


def cell_text(status: str, timeliness: str | None = None) -> str:
    """'✔ received on time'; a correction says whether the first file was on time."""
    text = f"{STATUS_SYMBOLS[status]} {STATUS_LABELS[status]}"
    if status == "superseded" and timeliness in ("on_time", "late"):
        text += f", first {'on time' if timeliness == 'on_time' else 'late'}"
    return text


def grid_table(grid: pd.DataFrame, names: dict[str, str] | None = None) -> pd.DataFrame:
    """Months as rows (newest first), one column per partner (``names`` maps code -> heading)."""
    if grid.empty:
        return pd.DataFrame(columns=["month"])
    texts = grid.assign(cell=[cell_text(s, t if isinstance(t, str) else None)
                              for s, t in zip(grid["status"], grid["timeliness"], strict=True)])
    partners = list(dict.fromkeys(grid["partner"]))
    table = texts.pivot(index="month", columns="partner", values="cell").loc[:, partners]
    table = table.sort_index(ascending=False).rename(columns=names or {})
    table.columns.name = None
    return table.reset_index()


def status_counts(grid: pd.DataFrame) -> pd.DataFrame:
    """For each partner, how many months fall in each status (the grid's summary)."""
    counts = pd.crosstab(grid["partner"], grid["status"]).reindex(columns=list(STATUS_LABELS), fill_value=0)
    counts = counts.reindex(list(dict.fromkeys(grid["partner"])))
    counts.columns = [STATUS_LABELS[c] for c in counts.columns]
    counts.columns.name = None
    return counts.reset_index()


def last_submissions(grid: pd.DataFrame) -> pd.DataFrame:
    """Each partner's most recent file in the grid's months: partner, month, received, submission id."""
    received = grid.dropna(subset=["last_received"])
    columns = ["partner", "month", "last_received", "last_submission_id"]
    if received.empty:
        return pd.DataFrame(columns=columns)
    latest = received.sort_values(["last_received", "last_submission_id"]).groupby("partner").tail(1)
    order = {p: i for i, p in enumerate(dict.fromkeys(grid["partner"]))}
    return latest.loc[:, columns].sort_values("partner", key=lambda s: s.map(order)).reset_index(drop=True)
