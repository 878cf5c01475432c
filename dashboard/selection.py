"""What the viewer chose to look at (date range, partners, counties, pathways), as a value.

Filters only ever narrow a query; the viewer's own scope is applied separately, in
``dashboard.data``, so no choice here can widen what a viewer sees.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select, select

from etl.models import MonthlyCount, Partner


@dataclass(frozen=True)
class Filters:
    start: dt.date | None = None  # first month included
    end: dt.date | None = None  # last month included
    partners: tuple[str, ...] = ()  # partner codes; empty means every partner the viewer may see
    counties: tuple[str, ...] = ()  # 5-digit FIPS; empty means all
    pathways: tuple[str, ...] = ()  # empty means both

    def apply(self, query: Select) -> Select:
        """Narrow a query over ``monthly_count`` to this selection."""
        if self.start:
            query = query.where(MonthlyCount.month >= self.start)
        if self.end:
            query = query.where(MonthlyCount.month <= self.end)
        if self.partners:
            query = query.where(MonthlyCount.partner_id.in_(
                select(Partner.id).where(Partner.code.in_(self.partners))))
        if self.counties:
            query = query.where(MonthlyCount.county_fips.in_(self.counties))
        if self.pathways:
            query = query.where(MonthlyCount.pathway.in_(self.pathways))
        return query


ALL = Filters()
