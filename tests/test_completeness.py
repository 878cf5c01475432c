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
