"""The back-test page's form: the settings a back-test may change (those ``POST
/api/v1/reports/backtest`` takes as its proposed playbook), prefilled with the current
playbook, and what a sent form proposes.

Every input is named by its place in the playbook (``scoring.mql_threshold``,
``scoring.signals.page_view.points``, ``qualification.ready_to_convert.timing_known``), the
names the playbook's own validation gives its errors: an error lands beside its input. What
the form proposes is the overrides of ``playbook.overrides``: tables merged, lists (company
sizes, job titles...) given whole, each entry's points as typed. A setting the address does
not carry keeps its current value."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bascule.playbook.schema import MEDDIC_FIELDS, Playbook
from bascule.web.i18n import N_, _
from bascule.web.labels import humanise, value_label

YES, NO = "yes", "no"
THRESHOLD = "scoring.mql_threshold"
READY = "qualification.ready_to_convert"
MEDDIC = f"{READY}.meddic_required"
# Lists of the scoring section whose entries have points (replaced whole when one changes).
LISTS = (
    ("employees", N_("Company size")),
    ("seniority", N_("Seniority")),
    ("functions", N_("Job function")),
    ("sectors", N_("Sector")),
    ("technologies", N_("Technology")),
)
LEVELS = {
    "budget_at_least": (("none", N_("Any")), ("range", N_("Budget range")),
                        ("confirmed", N_("Confirmed budget"))),
    "authority_at_least": (("none", N_("Any")), ("influencer", N_("Influencer")),
                           ("decision_maker", N_("Decision maker"))),
}  # fmt: skip


@dataclass(frozen=True)
class Input:
    """One setting: ``kind`` number, check (yes/no), select or checks (several values)."""

    name: str
    label: str
    kind: str
    value: Any
    options: tuple[tuple[str, str], ...] = ()
    optional: bool = False

    @property
    def id(self) -> str:
        return "bt-" + self.name.replace(".", "-").replace("_", "-")


@dataclass(frozen=True)
class Group:
    title: str
    inputs: list[Input] = field(default_factory=list)


def _last(params: Mapping[str, Sequence[str]], name: str) -> str | None:
    # A checkbox follows a hidden "no" of the same name: the last value is the one meant.
    values = params.get(name) or ()
    return values[-1].strip() if values else None


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def groups(playbook: Playbook, params: Mapping[str, Sequence[str]]) -> list[Group]:
    """The form's inputs by theme, each with the value typed, else the current one."""
    sc, ready = playbook.scoring, playbook.qualification.ready_to_convert

    def number(name: str, label: str, current: Any, optional: bool = False) -> Input:
        typed = _last(params, name)
        return Input(name, label, "number", _shown(current) if typed is None else typed,
                     optional=optional)  # fmt: skip

    def check(name: str, label: str, current: bool) -> Input:
        typed = _last(params, name)
        return Input(name, label, "check", current if typed is None else typed == YES)

    def select(name: str, label: str, current: str, options: Any) -> Input:
        typed = _last(params, name)
        shown = tuple((value, _(text)) for value, text in options)
        return Input(name, label, "select", current if typed is None else typed, shown)

    main = Group(_("MQL and decay"), [
        number(THRESHOLD, _("MQL threshold"), sc.mql_threshold),
        number("scoring.half_life_days", _("Half-life of a signal (days)"), sc.half_life_days),
    ])  # fmt: skip
    behaviour = Group(_("Points per signal"))
    for kind, rules in (("signals", sc.signals), ("forms", sc.forms)):
        for key, points in rules.items():
            word = value_label(None, "signal" if kind == "signals" else "rule", key)
            base = f"scoring.{kind}.{key}"
            behaviour.inputs.extend(
                [
                    number(f"{base}.points", _("{rule}: points").format(rule=word), points.points),
                    number(f"{base}.cap", _("{rule}: at most").format(rule=word), points.cap, True),
                ]
            )
    profile = Group(_("Points of the profile"))
    for name, title in LISTS:
        for i, entry in enumerate(getattr(sc, name)):
            if name == "employees":
                size = f"{entry.min}+" if entry.max is None else f"{entry.min}–{entry.max}"
                word = _("{size} employees").format(size=size)
            else:
                word = humanise(entry.key)
            label = f"{_(title)}: {word}"
            profile.inputs.append(number(f"scoring.{name}.{i}.points", label, entry.points))
    for code, worth in sc.countries.items():
        profile.inputs.append(
            number(f"scoring.countries.{code}", _("Country: {code}").format(code=code), worth)
        )
    meddic_sent = _last(params, f"{MEDDIC}.sent") is not None
    chosen = [v for v in params.get(MEDDIC, ())] if meddic_sent else list(ready.meddic_required)
    rule = Group(_("Ready to convert"), [
        select("qualification.framework", _("Framework"), playbook.qualification.framework,
               (("bant", N_("BANT")), ("meddic", N_("MEDDIC")))),
        check(f"{READY}.need_confirmed", _("BANT: need confirmed"), ready.need_confirmed),
        select(f"{READY}.budget_at_least", _("BANT: budget at least"), ready.budget_at_least,
               LEVELS["budget_at_least"]),
        check(f"{READY}.timing_known", _("BANT: timing known"), ready.timing_known),
        select(f"{READY}.authority_at_least", _("BANT: authority at least"),
               ready.authority_at_least, LEVELS["authority_at_least"]),
        Input(MEDDIC, _("MEDDIC: elements required"), "checks", chosen,
              tuple((f, humanise(f)) for f in MEDDIC_FIELDS)),
    ])  # fmt: skip
    return [main, behaviour, profile, rule]


def sent(params: Mapping[str, Sequence[str]]) -> bool:
    """Whether the address proposes something (a sent form, or a link with a setting)."""
    return any(name.startswith(("scoring.", "qualification.")) for name in params)


def _value(text: str, optional: bool) -> Any:
    """A number as typed (``2,5`` too); anything else as typed, for the playbook's own check
    to refuse by name."""
    clean = text.strip().replace("\u202f", "").replace(" ", "").replace(",", ".")
    if not clean:
        return None if optional else text
    for convert in (int, float):
        try:
            return convert(clean)
        except ValueError:
            continue
    return text


def _put(tree: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        tree = tree.setdefault(part, {})
    tree[last] = value


def overrides(playbook: Playbook, params: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """The proposed playbook's changes: every setting the address carries, as typed."""
    found: dict[str, Any] = {}
    lists: dict[str, list[Any]] = {}
    document = playbook.model_dump(mode="python")
    for group in groups(playbook, params):
        for item in group.inputs:
            if item.kind == "checks":
                if _last(params, f"{MEDDIC}.sent") is not None:
                    _put(found, item.name, list(item.value))
                continue
            typed = _last(params, item.name)
            if typed is None:
                continue
            value: Any = typed
            if item.kind == "check":
                value = typed == YES
            elif item.kind == "number":
                value = _value(typed, item.optional)
            parts = item.name.split(".")
            if len(parts) == 4 and parts[1] in dict(LISTS) and parts[2].isdigit():
                entries = lists.setdefault(
                    parts[1], [dict(e) for e in document["scoring"][parts[1]]]
                )
                entries[int(parts[2])][parts[3]] = value
            else:
                _put(found, item.name, value)
    for name, entries in lists.items():
        _put(found, f"scoring.{name}", entries)
    return found


def errors_by_input(
    fields: Mapping[str, str], playbook: Playbook
) -> tuple[dict[str, str], list[str]]:
    """The playbook's errors beside their inputs (by name, or the closest enclosing one), and
    those of no input (shown above the form)."""
    names = [item.name for group in groups(playbook, {}) for item in group.inputs]
    placed: dict[str, str] = {}
    loose: list[str] = []
    for where, message in fields.items():
        target = next((n for n in names if where == n or where.startswith(n + ".")), None)
        if target is None:
            target = next((n for n in names if n.startswith(where + ".")), None)
        if target is None:
            loose.append(f"{where}: {message}")
        else:
            placed.setdefault(target, message)
    return placed, loose
