"""The four reports of SPEC §16 as use cases: what the API, the CLI and the web pages call.

Each takes the checked query (period, grouping, language, what the reader may read) and
returns ``{"report", "from", "to", "group_by", "rows", "total"}``: rows of ``{"key", "label",
…measures}``, ``total`` the same measures over every row. SQL counts (``queries``,
``stage_times``), pure arithmetic (``metrics``), labels (the playbook's, ``labels``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, String, cast, literal, null

from bascule.analytics import conditions, labels, metrics, queries
from bascule.analytics import stage_times as stays
from bascule.analytics.access import EVERYTHING, Readable
from bascule.errors import ValidationFailed
from bascule.leads.vocabulary import LEAD_STATUSES
from bascule.playbook.schema import Playbook, Reason, Stage
from bascule.storage import tables as t
from bascule.storage.uow import UnitOfWork

GROUPS = {
    "funnel": ("none", "source", "campaign", "owner", "segment", "month"),
    "pipeline": ("none", "stage", "month", "owner", "source", "type"),
    "loss-reasons": ("none", "owner", "source"),
}
PIPELINES = ("lead", "opportunity")
NO_REAL_NEED = "no_real_need"
# The word for a row without a value: no owner, no campaign...
NOBODY = {"owner": "no_owner", "campaign": "no_campaign", "segment": "unknown_size",
          "reason": "no_reason"}  # fmt: skip


@dataclass(frozen=True)
class Query:
    """A checked report query: days ``start`` to ``end`` (included) of the playbook's zone."""

    start: date
    end: date
    group_by: str = "none"
    locale: str = "fr"
    readable: Readable = field(default=EVERYTHING)


def check_group(report: str, group_by: str) -> str:
    """The grouping if the report has it; else ``ValidationFailed`` naming ``group_by``."""
    allowed = GROUPS.get(report, ("none",))
    if group_by not in allowed:
        raise ValidationFailed(
            "unknown grouping", fields={"group_by": f"one of {', '.join(allowed)}"}
        )
    return group_by


def default_period(today: date, days: int = 30) -> tuple[date, date]:
    """The ``days`` days up to ``today`` (included): a report asked without a period."""
    return today - timedelta(days=days - 1), today


class Labeller:
    """The human label of a group key in the reader's language."""

    def __init__(self, playbook: Playbook, locale: str, owners: dict[int, str]) -> None:
        self.playbook, self.locale, self.owners = playbook, locale, owners

    def __call__(self, group: str, key: Any) -> str:
        pb, loc = self.playbook, self.locale
        if group == "none":
            return labels.word(loc, "all")
        if key is None:
            return labels.word(loc, NOBODY.get(group, "no_source"))
        if group == "owner":
            return self.owners.get(key, f"#{key}")
        if group == "month":
            return labels.month(loc, key)
        if group == "segment":
            low, _, high = str(key).partition("-")
            if high:
                return labels.word(loc, "size_range", min=low, max=high)
            return labels.word(loc, "size_from", min=low.rstrip("+"))
        if group == "status" and key in pb.lead_status_labels:
            return pb.lead_status_labels[key].get(loc)
        choices: Sequence[Reason] | Sequence[Stage] = ()
        if group == "stage":
            choices = pb.stages
        elif group in ("source", "type", "reason"):
            choices = {"source": pb.lead_sources, "type": pb.opportunity_types,
                       "reason": pb.loss_reasons}[group]  # fmt: skip
        return next((c.label.get(loc) for c in choices if c.key == key), str(key))


def _labeller(uow: UnitOfWork, q: Query, playbook: Playbook, owner_ids: list[Any]) -> Labeller:
    owners = queries.user_names(uow.session, owner_ids) if q.group_by == "owner" else {}
    return Labeller(playbook, q.locale, owners)


def _answer(name: str, q: Query, rows: list[dict[str, Any]], total: dict[str, Any],
            locale: str, **extra: Any) -> dict[str, Any]:  # fmt: skip
    total = {"key": None, "label": labels.word(locale, "total")} | total
    return {"report": name, "from": q.start, "to": q.end, "group_by": q.group_by,
            "rows": rows, "total": total} | extra  # fmt: skip


def _zone_day(at: datetime | None, zone: str) -> date | None:
    return None if at is None else at.astimezone(ZoneInfo(zone)).date()


def _none() -> ColumnElement[Any]:
    return cast(null(), String)


# --- funnel -----------------------------------------------------------------------------------


def funnel(uow: UnitOfWork, *, query: Query, playbook: Playbook) -> dict[str, Any]:
    """Cohort funnel: leads created in the period, how far each got by its history."""
    q, zone, lead = query, playbook.calendar.timezone, t.Lead
    since, until = metrics.period_instants(q.start, q.end, zone)
    key: queries.Column
    if q.group_by == "month":
        first, last = queries.lead_span(uow.session, since, until, q.readable)
        first_day, last_day = _zone_day(first, zone), _zone_day(last, zone)
        starts = metrics.month_instants(first_day, last_day, zone) if first_day and last_day else []
        key = queries.buckets(lead.created_at, queries.instants(starts))
    elif q.group_by == "segment":
        bands = [(b.min, b.max) for b in playbook.scoring.employees]
        key = queries.segment(lead.employees, bands)
    else:
        columns = {"source": lead.source, "campaign": lead.campaign, "owner": lead.owner_id}
        key = columns.get(q.group_by, _none())
    counts = queries.funnel(uow.session, since=since, until=until, key=key, readable=q.readable)
    label = _labeller(uow, q, playbook, [c["key"] for c in counts])
    rows = [
        {"key": c["key"], "label": label(q.group_by, c["key"])} | metrics.funnel_measures(c)
        for c in counts
    ]
    total = metrics.funnel_measures(metrics.add(counts, metrics.FUNNEL_COUNTS))
    return _answer("funnel", q, metrics.ordered(rows), total, q.locale)


# --- pipeline ---------------------------------------------------------------------------------


def _opportunity_key(group: str) -> queries.Column:
    opp = t.Opportunity
    columns = {"stage": opp.stage, "owner": opp.owner_id, "source": opp.lead_source,
               "type": opp.type}  # fmt: skip
    return columns.get(group, _none())


def pipeline(uow: UnitOfWork, *, query: Query, playbook: Playbook) -> dict[str, Any]:
    """Open pipeline expected to close in the period, and what closed in it."""
    q, zone, opp, session = query, playbook.calendar.timezone, t.Opportunity, uow.session
    since, until = metrics.period_instants(q.start, q.end, zone)
    open_key = closed_key = _opportunity_key(q.group_by)
    if q.group_by == "month":
        first, last = queries.open_span(session, q.start, q.end, q.readable)
        days = metrics.month_starts(first, last) if first and last else []
        open_key = queries.buckets(opp.expected_close_date, [(k, literal(d)) for k, d in days])
        start_at, end_at = queries.closed_span(session, since, until, q.readable)
        first_day, last_day = _zone_day(start_at, zone), _zone_day(end_at, zone)
        months = metrics.month_instants(first_day, last_day, zone) if first_day and last_day else []
        closed_key = queries.buckets(opp.closed_at, queries.instants(months))
    lines: dict[Any, dict[str, Any]] = {}
    found = queries.pipeline_open(session, start=q.start, end=q.end, key=open_key,
                                  readable=q.readable)  # fmt: skip
    found += queries.pipeline_closed(session, since=since, until=until, key=closed_key,
                                     readable=q.readable)  # fmt: skip
    for line in found:
        lines.setdefault(line["key"], {}).update(line)
    label = _labeller(uow, q, playbook, list(lines))
    rows = [
        {"key": k, "label": label(q.group_by, k)} | metrics.pipeline_measures(c)
        for k, c in lines.items()
    ]
    total = metrics.pipeline_measures(metrics.add(lines.values(), metrics.PIPELINE_COUNTS))
    order = playbook.stage_keys if q.group_by == "stage" else ()
    return _answer("pipeline", q, metrics.ordered(rows, order), total, q.locale)


# --- loss reasons -----------------------------------------------------------------------------


def loss_reasons(uow: UnitOfWork, *, query: Query, playbook: Playbook) -> dict[str, Any]:
    """Opportunities lost in the period, by reason (within each group when grouped)."""
    q, zone = query, playbook.calendar.timezone
    since, until = metrics.period_instants(q.start, q.end, zone)
    key = _opportunity_key(q.group_by)
    found = queries.losses(uow.session, since=since, until=until, key=key, readable=q.readable)
    label = _labeller(uow, q, playbook, [f["key"] for f in found])
    closed: dict[Any, int] = {}
    lost: dict[Any, int] = {}
    no_need: dict[Any, int] = {}
    for f in found:
        closed[f["key"]] = closed.get(f["key"], 0) + f["count"]
        if not f["is_won"]:
            lost[f["key"]] = lost.get(f["key"], 0) + f["count"]
            if f["reason"] == NO_REAL_NEED:
                no_need[f["key"]] = no_need.get(f["key"], 0) + f["count"]
    all_lost, all_closed, all_no_need = (sum(d.values()) for d in (lost, closed, no_need))
    rows = []
    for f in (f for f in found if not f["is_won"]):
        g = f["key"]
        measures = metrics.loss_measures(f["count"], f["amount"], lost[g], no_need.get(g, 0),
                                         closed[g])  # fmt: skip
        reason = {"key": f["reason"], "label": label("reason", f["reason"])}
        if q.group_by == "none":
            rows.append(reason | measures)
        else:
            group = {"key": g, "label": label(q.group_by, g)}
            rows.append(group | {"reason": reason["key"], "reason_label": reason["label"]}
                        | measures)  # fmt: skip
    rows.sort(key=lambda r: (r["key"] is None, str(r["key"]), -r["count"], str(r.get("reason"))))
    if q.group_by == "none":
        rows.sort(key=lambda r: (-r["count"], r["key"] is None, str(r["key"])))
    amount = sum(float(f["amount"] or 0) for f in found if not f["is_won"])
    total = metrics.loss_measures(all_lost, amount, all_lost, all_no_need, all_closed)
    share = total["no_real_need_share"]
    return _answer("loss-reasons", q, rows, total, q.locale, no_real_need_share=share)


# --- time in each status or stage -------------------------------------------------------------


def stage_times(
    uow: UnitOfWork,
    *,
    query: Query,
    pipeline: Literal["lead", "opportunity"],
    playbook: Playbook,
    now: datetime,
) -> dict[str, Any]:
    """Stays in each lead status or opportunity stage: entered and left in the period, how
    long the stays that ended in it lasted, who is in it now and who stalls there."""
    q, zone = query, playbook.calendar.timezone
    since, until = metrics.period_instants(q.start, q.end, zone)
    window = stays.Window(since, until, now)
    keys = LEAD_STATUSES if pipeline == "lead" else playbook.stage_keys
    stall_after = conditions.stall_limits(pipeline, playbook, now)
    counts = stays.counts(uow.session, pipeline=pipeline, window=window,
                          stall_after=stall_after, readable=q.readable,
                          is_sqlite=uow.is_sqlite)  # fmt: skip
    spread = counts
    if uow.is_sqlite:  # no percentile function: ranked durations, a second pass
        spread = stays.ranked_percentiles(uow.session, pipeline=pipeline, window=window,
                                          readable=q.readable)  # fmt: skip
    group = "status" if pipeline == "lead" else "stage"
    label = Labeller(playbook, q.locale, {})
    rows = []
    for key in (*keys, *sorted(k for k in counts.keys() | spread.keys() if k not in keys)):
        c, s = counts.get(key, {}), spread.get(key, {})
        middle = {f"{name}_hours": _spread(s, p) for name, p in (("median", 50), ("p90", 90))}
        rows.append({"key": key, "label": label(group, key), "entered": c.get("entered", 0),
                     "left": c.get("left", 0)} | middle
                    | {"current": c.get("current", 0), "stalled": c.get("stalled", 0)})  # fmt: skip
    # Percentiles of all stays mixed together would mean nothing: the total has none.
    sums = metrics.add(rows, ("entered", "left", "current", "stalled"))
    total = {name: sums.get(name) for name in rows[0] if name not in ("key", "label")}
    answer = _answer("stage-times", q, rows, total, q.locale, pipeline=pipeline)
    answer.pop("group_by")
    return answer


def _spread(found: dict[str, Any], percent: int) -> float | None:
    """PostgreSQL gives the percentile itself; SQLite the two values around it."""
    low = found.get(f"lo_{percent}")
    if found.get("exact"):
        return None if low is None else round(float(low), 2)
    return metrics.interpolate(low, found.get(f"hi_{percent}"), found.get("n", 0), percent)
