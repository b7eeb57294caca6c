"""The lead list as people ask for it (issue 11): filters, sort, columns and page, read from an
address's query and written back to one, so that the address holds the whole state and a saved
view is that state under a name. Pure.

The filters are the API's (``GET /api/v1/leads``: status, owner, source, tag, temperature, q,
min_score, ready_to_convert, conversion_overdue) plus "mine", a creation period and the report
filters the report pages link with (SPEC §16): ``campaign``, ``segment`` (a funnel size
segment), ``employees_min``/``employees_max``, ``reached`` (a funnel step the history holds, or
a later one), ``outcome`` (won, lost: of the converted lead's opportunity) and ``stalled``; an
owner, source, campaign or segment of ``none`` asks for the leads without one. The API and the
page read the filters with the same ``parse_filters``; the words of the address are the page's
own, short and stable (``ready=yes``, ``sort=-score``), the API's long ones understood too
(``ready_to_convert=true``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bascule import list_query as query
from bascule.leads.vocabulary import LEAD_STATUSES, Temperature

# Columns the list can show, in the order shown; "name" is always shown (it is the link).
COLUMNS = (
    "name", "company", "owner", "status", "source", "score", "temperature", "ready", "sla",
    "created", "tags",
)  # fmt: skip
DEFAULT_COLUMNS = ("name", "company", "owner", "status", "source", "score", "sla", "created")
# Column -> the storage's sort key (``storage.repositories.LEAD_SORTS``).
SORTS = {
    "name": "last_name",
    "company": "company",
    "owner": "owner",
    "status": "status",
    "source": "source",
    "score": "score",
    "temperature": "temperature",
    "ready": "ready_to_convert",
    "sla": "sla_due_at",
    "created": "created_at",
}
DEFAULT_SORT = "-created"
PAGE_SIZE = 25
MAX_PAGE = 100_000
YES, NO = "yes", "no"
NONE = "none"  # a group without a value, as the report pages link to it
# The funnel's steps (``analytics.metrics.LEAD_STEPS``) and outcomes.
STEPS = ("new", "contacted", "mql", "sql", "converted")
OUTCOMES = ("won", "lost")
# The report filters: the page's form has no input for them, it keeps them as they came.
REPORT_FILTERS = ("campaign", "segment", "employees_min", "employees_max", "reached", "outcome",
                  "stalled")  # fmt: skip
# The API's longer words for the page's filters.
ALIASES = {"ready_to_convert": "ready", "conversion_overdue": "overdue"}


@dataclass(frozen=True)
class LeadQuery:
    """One state of the list. ``mine`` and ``owner`` are alternatives (``mine`` wins)."""

    mine: bool = False
    owner: int | None = None
    unowned: bool = False
    status: tuple[str, ...] = ()
    source: tuple[str, ...] = ()
    tag: str | None = None
    temperature: str | None = None
    min_score: int | None = None
    ready: bool | None = None
    overdue: bool | None = None
    q: str | None = None
    created_from: date | None = None
    created_to: date | None = None
    campaign: str | None = None
    segment: str | None = None
    employees_min: int | None = None
    employees_max: int | None = None
    reached: str | None = None
    outcome: str | None = None
    stalled: bool | None = None
    sort: str = DEFAULT_SORT
    columns: tuple[str, ...] = DEFAULT_COLUMNS
    page: int = 1

    @property
    def sort_column(self) -> str:
        return self.sort.lstrip("-")

    @property
    def descending(self) -> bool:
        return self.sort.startswith("-")

    def storage_sort(self) -> str:
        return ("-" if self.descending else "") + SORTS[self.sort_column]

    def owner_id(self, user_id: int | None) -> int | None:
        return user_id if self.mine else self.owner

    @property
    def unowned_asked(self) -> bool:
        return self.unowned and not self.mine

    def created_between(self, zone: str) -> tuple[datetime | None, datetime | None]:
        """The period as instants: from the first day's midnight to the midnight after the
        last day, in the company's zone (both days included)."""
        tz = ZoneInfo(zone)
        start = datetime.combine(self.created_from, time(), tz) if self.created_from else None
        end = None
        if self.created_to is not None:
            end = datetime.combine(self.created_to + timedelta(days=1), time(), tz)
        return start, end

    def filters(self) -> dict[str, Any]:
        """The filters as JSON (what a saved view keeps), only those set."""
        values: dict[str, Any] = {
            "mine": self.mine or None,
            "owner": None if self.mine else (NONE if self.unowned else self.owner),
            "status": list(self.status) or None,
            "source": list(self.source) or None,
            "tag": self.tag,
            "temperature": self.temperature,
            "min_score": self.min_score,
            "ready": self.ready,
            "overdue": self.overdue,
            "q": self.q,
            "created_from": self.created_from.isoformat() if self.created_from else None,
            "created_to": self.created_to.isoformat() if self.created_to else None,
            "campaign": self.campaign,
            "segment": self.segment,
            "employees_min": self.employees_min,
            "employees_max": self.employees_max,
            "reached": self.reached,
            "outcome": self.outcome,
            "stalled": self.stalled,
        }
        return {k: v for k, v in values.items() if v is not None}

    def params(self, **changes: Any) -> list[tuple[str, str]]:
        """The address's query for this state (with ``changes``), defaults left out."""
        state = replace(self, **changes) if changes else self
        out: list[tuple[str, str]] = []
        for name, value in state.filters().items():
            if isinstance(value, list):
                out.extend((name, str(v)) for v in value)
            elif isinstance(value, bool):
                out.append((name, YES if value else NO))
            else:
                out.append((name, str(value)))
        if state.sort != DEFAULT_SORT:
            out.append(("sort", state.sort))
        if state.columns != DEFAULT_COLUMNS:
            out.extend(("col", c) for c in state.columns)
        if state.page != 1:
            out.append(("page", str(state.page)))
        return out

    def sorted_by(self, column: str) -> LeadQuery:
        """The state after clicking a column's header: by it ascending, or the other way when
        already sorted by it; back to the first page."""
        if self.sort_column == column:
            return replace(self, sort=column if self.descending else "-" + column, page=1)
        return replace(self, sort=column, page=1)


@dataclass
class Parsed:
    query: LeadQuery
    # Field -> the value refused (the list is shown without it).
    refused: dict[str, str] = field(default_factory=dict)


def _one_of(known: Iterable[str]) -> Any:
    allowed = tuple(known)

    def check(text: str) -> str:
        if text not in allowed:
            raise ValueError(text)
        return text

    return check


def _owner(text: str) -> int | str | None:
    return NONE if text == NONE else query.record_id(text)


def parse_filters(
    params: Mapping[str, Sequence[str]], *, sources: Iterable[str], segments: Iterable[str] = ()
) -> tuple[dict[str, Any], dict[str, str]]:
    """The filters of an address's query as ``LeadQuery`` fields, and the refused ones (name
    -> the value given). The API answers 422 for a refused one, the page a message."""
    params = {ALIASES.get(k, k): v for k, v in params.items()}
    refused: dict[str, str] = {}
    values: dict[str, Any] = {}

    def keep(name: str, convert: Any, text: str | None) -> None:
        if text is None:
            return
        try:
            values[name] = convert(text)
        except ValueError:
            refused[name] = text

    keep("mine", lambda v: query.flag(v) is True, query.first(params, "mine"))
    keep("owner", _owner, query.first(params, "owner"))
    if values.get("owner") == NONE:
        values |= {"owner": None, "unowned": True}
    for name, known in (("status", LEAD_STATUSES), ("source", (*sources, NONE))):
        chosen = query.many(params, name)
        unknown = [v for v in chosen if v not in known]
        if unknown:
            refused[name] = ", ".join(unknown)
        values[name] = tuple(dict.fromkeys(v for v in chosen if v in known))
    values["tag"] = (query.first(params, "tag") or "").lower() or None
    keep("temperature", Temperature, query.first(params, "temperature"))
    if "temperature" in values:
        values["temperature"] = str(values["temperature"])
    keep("min_score", lambda v: query.whole(v, 0, 100), query.first(params, "min_score"))
    keep("ready", query.flag, query.first(params, "ready"))
    keep("overdue", query.flag, query.first(params, "overdue"))
    values["q"] = query.first(params, "q")
    keep("created_from", date.fromisoformat, query.first(params, "created_from"))
    keep("created_to", date.fromisoformat, query.first(params, "created_to"))
    values["campaign"] = query.first(params, "campaign")
    keep("segment", _one_of((*segments, NONE)), query.first(params, "segment"))
    for name in ("employees_min", "employees_max"):
        keep(name, lambda v: query.whole(v, 0, 10_000_000), query.first(params, name))
    keep("reached", _one_of(STEPS), query.first(params, "reached"))
    keep("outcome", _one_of(OUTCOMES), query.first(params, "outcome"))
    keep("stalled", query.flag, query.first(params, "stalled"))
    return values, refused


# What each filter takes, for the API's 422 (``fields``).
EXPECTED = {
    "mine": "yes or no",
    "owner": "a user id or none",
    "status": f"among {', '.join(LEAD_STATUSES)}",
    "temperature": "hot, warm or cold",
    "min_score": "a whole number from 0 to 100",
    "ready": "yes or no",
    "overdue": "yes or no",
    "created_from": "a date (YYYY-MM-DD)",
    "created_to": "a date (YYYY-MM-DD)",
    "employees_min": "a whole number from 0",
    "employees_max": "a whole number from 0",
    "reached": f"one of {', '.join(STEPS)}",
    "outcome": f"one of {', '.join(OUTCOMES)}",
    "stalled": "yes or no",
}


def problems(
    refused: Mapping[str, str], *, sources: Iterable[str], segments: Iterable[str] = ()
) -> dict[str, str]:
    """The refused filters as the API's ``fields``: name -> what it takes."""
    expected = EXPECTED | {
        "source": f"among {', '.join((*sources, NONE))}",
        "segment": f"one of {', '.join((*segments, NONE))}",
    }
    names = {v: k for k, v in ALIASES.items()}
    return {names.get(k, k): f"{expected.get(k, 'not understood')}, not {v!r}"
            for k, v in refused.items()}  # fmt: skip


def parse(
    params: Mapping[str, Sequence[str]], *, sources: Iterable[str], segments: Iterable[str] = ()
) -> Parsed:
    """The list's state from an address's query (or a saved view's filters). A value that
    does not make sense is left out and named in ``refused``; it never fails the page."""
    values, refused = parse_filters(params, sources=sources, segments=segments)

    def keep(name: str, convert: Any, text: str | None) -> None:
        if text is None:
            return
        try:
            values[name] = convert(text)
        except ValueError:
            refused[name] = text

    sort = query.first(params, "sort") or DEFAULT_SORT
    if sort.lstrip("-") in SORTS:
        values["sort"] = sort
    else:
        refused["sort"] = sort
    columns = [c for c in query.many(params, "col") if c in COLUMNS]
    if columns:
        values["columns"] = tuple(c for c in COLUMNS if c in columns or c == "name")
    keep("page", lambda v: query.whole(v, 1, MAX_PAGE), query.first(params, "page"))
    return Parsed(LeadQuery(**values), refused)


def from_view(
    filters: Mapping[str, Any], sort: str, columns: Sequence[str]
) -> dict[str, list[str]]:
    """A saved view as an address's query (then read by ``parse``, like any address)."""
    params: dict[str, list[str]] = {}
    for name, value in filters.items():
        if isinstance(value, list):
            params[name] = [str(v) for v in value]
        elif isinstance(value, bool):
            params[name] = [YES if value else NO]
        else:
            params[name] = [str(value)]
    params["sort"] = [sort]
    params["col"] = list(columns)
    return params
