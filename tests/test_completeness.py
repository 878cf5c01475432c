"""Reporting completeness against hand-built submission histories."""

import datetime as dt

import pandas as pd

from dashboard.completeness import (
    cell_text,
    due_date,
    grid_table,
    last_complete_month,
    last_submissions,
    late_partners,
    months_between,
    reporting_grid,
    status_counts,
)
from dashboard.data import submissions
from dashboard.viewer import Viewer
from etl.demo import load_demo

UTC = dt.UTC


def sub(id_, partner, months, status, received):
    return {"id": id_, "partner": partner, "months": months, "status": status,
            "received_at": pd.Timestamp(received, tz="UTC")}


def test_a_months_report_is_due_by_the_due_day_of_the_next_month():
    assert due_date(dt.date(2026, 3, 1), 15) == dt.datetime(2026, 4, 16, tzinfo=UTC)
    assert due_date(dt.date(2026, 12, 1), 15) == dt.datetime(2027, 1, 16, tzinfo=UTC)


def example_grid():
    frame = pd.DataFrame([
        sub(1, "a", ["2026-01"], "loaded", "2026-02-10"),           # on time
        sub(2, "b", ["2026-01"], "loaded", "2026-02-20"),           # late
        sub(3, "a", ["2026-02"], "rejected", "2026-03-01"),
        sub(4, "a", ["2026-02"], "superseded", "2026-03-02"),       # accepted on time, then corrected
        sub(5, "a", ["2026-02"], "loaded", "2026-03-25"),
        sub(6, "b", ["2026-02"], "rejected", "2026-03-05"),         # only rejected
    ])
    months = months_between(dt.date(2026, 1, 1), dt.date(2026, 3, 1))
    return reporting_grid(frame, ["a", "b"], months, 15, dt.datetime(2026, 4, 1, tzinfo=UTC))


def test_grid_statuses():
    grid = example_grid()
    cells = {(r.partner, r.month): (r.status, r.timeliness if isinstance(r.timeliness, str) else None,
                                    r.last_submission_id) for r in grid.itertuples()}
    assert cells[("a", "2026-01")] == ("on_time", "on_time", 1)
    assert cells[("b", "2026-01")] == ("late", "late", 2)
    assert cells[("a", "2026-02")] == ("superseded", "on_time", 5)
    assert cells[("b", "2026-02")] == ("rejected", None, 6)
    assert cells[("a", "2026-03")][0] == "not_due"  # due 2026-04-15
    assert last_complete_month(grid) == "2026-01"
    assert late_partners(grid) == ["b"]


def test_the_demo_shows_the_last_partner_late_and_one_correction(runtime):
    load_demo(runtime.engine, runtime.program, runtime.settings)
    frame = submissions(runtime.engine, Viewer("t", "coordinator"))
    months = months_between(dt.date(2024, 11, 1), dt.date(2026, 10, 1))
    codes = [p.code for p in runtime.program.partners]
    grid = reporting_grid(frame, codes, months, runtime.program.report_due_day,
                          dt.datetime(2026, 11, 22, 12, tzinfo=UTC))
    assert late_partners(grid) == ["region-5"]
    assert last_complete_month(grid) == "2026-09"
    assert (grid["status"] == "superseded").sum() == 1
    assert (grid["status"] == "missing").sum() == 1


def test_the_grid_reads_without_colour_months_newest_first_one_column_per_partner():
    grid = example_grid()
    table = grid_table(grid, {"a": "Region A", "b": "Region B"})
    assert table.columns.tolist() == ["month", "Region A", "Region B"]
    assert table["month"].tolist() == ["2026-03", "2026-02", "2026-01"]
    rows = table.set_index("month")
    assert rows.loc["2026-01", "Region A"] == "✔ received on time"
    assert rows.loc["2026-01", "Region B"] == "◷ received late"
    assert rows.loc["2026-02", "Region A"] == "↻ corrected (superseded), first on time"
    assert rows.loc["2026-02", "Region B"] == "✖ rejected"
    assert rows.loc["2026-03", "Region A"] == "· not due yet"
    assert cell_text("missing") == "— missing"


def test_status_counts_and_each_partners_last_file():
    grid = example_grid()
    counts = status_counts(grid).set_index("partner")
    assert counts.loc["a"].to_dict() == {"received on time": 1, "received late": 0, "corrected (superseded)": 1,
                                         "rejected": 0, "missing": 0, "not due yet": 1}
    assert counts.loc["b", "rejected"] == 1
    latest = last_submissions(grid)
    assert latest["partner"].tolist() == ["a", "b"]
    assert latest["last_submission_id"].tolist() == [5, 6]
    assert latest["month"].tolist() == ["2026-02", "2026-02"]


def reference_cell(files: list[dict], due: dt.datetime, now: dt.datetime) -> tuple:
    """One cell read the plain way, file by file: the rules of the module docstring."""
    files = sorted(files, key=lambda f: (f["received_at"], f["id"]))
    accepted = [f for f in files if f["status"] in ("loaded", "already_loaded", "superseded", "partly_superseded")]
    if accepted:
        timeliness = "on_time" if accepted[0]["received_at"] <= due else "late"
        loads = [f for f in accepted if f["status"] != "already_loaded"]
        status = "superseded" if len(loads) > 1 else timeliness
    else:
        timeliness, status = None, ("rejected" if files else "missing" if now >= due else "not_due")
    return (status, timeliness, accepted[0]["received_at"] if accepted else None,
            files[-1]["received_at"] if files else None, files[-1]["id"] if files else None)


def test_the_grid_matches_a_cell_by_cell_reading_of_random_histories():
    import numpy as np

    rng = np.random.default_rng(5)
    statuses = ["loaded", "already_loaded", "superseded", "partly_superseded", "rejected"]
    every_month = months_between(dt.date(2025, 1, 1), dt.date(2026, 6, 1))
    labels = [f"{m:%Y-%m}" for m in every_month]
    start = pd.Timestamp("2025-01-01", tz="UTC")
    for _ in range(150):
        files = [{"id": int(i * 7 + rng.integers(0, 7)), "partner": f"p{rng.integers(0, 5)}",
                  "months": [str(m) for m in rng.choice(labels, size=int(rng.integers(0, 4)), replace=False)],
                  "status": str(rng.choice(statuses)),
                  "received_at": start + pd.Timedelta(hours=int(rng.integers(0, 24 * 600)))}
                 for i in range(int(rng.integers(0, 40)))]
        frame = pd.DataFrame(files, columns=["id", "partner", "months", "status", "received_at"])
        partners = [f"p{i}" for i in range(int(rng.integers(0, 5)))]
        low = int(rng.integers(0, len(every_month)))
        months = every_month[low:int(rng.integers(low, len(every_month) + 1))]
        now = dt.datetime(2025, 1, 1, tzinfo=UTC) + dt.timedelta(days=int(rng.integers(0, 600)))
        grid = reporting_grid(frame, partners, months, 15, now)
        assert len(grid) == len(partners) * len(months)
        for cell in grid.itertuples(index=False):
            mine = [f for f in files if f["partner"] == cell.partner and cell.month in f["months"]]
            expected = reference_cell(mine, due_date(dt.date.fromisoformat(cell.month + "-01"), 15), now)
            shown = (cell.status, cell.timeliness if isinstance(cell.timeliness, str) else None,
                     None if pd.isna(cell.first_received) else cell.first_received,
                     None if pd.isna(cell.last_received) else cell.last_received,
                     None if pd.isna(cell.last_submission_id) else int(cell.last_submission_id))
            assert shown == expected, (cell, mine)


def test_the_grid_has_the_same_columns_and_types_with_or_without_files():
    months = months_between(dt.date(2026, 1, 1), dt.date(2026, 3, 1))
    now = dt.datetime(2026, 4, 1, tzinfo=UTC)
    empty = pd.DataFrame(columns=["id", "partner", "months", "status", "received_at"])
    full, none = example_grid(), reporting_grid(empty, ["a", "b"], months, 15, now)
    assert none.dtypes.to_dict() == full.dtypes.to_dict()
    assert set(none["status"]) == {"missing", "not_due"}
    assert none["last_submission_id"].isna().all()
