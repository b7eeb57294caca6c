"""Firmographics and demographics (SPEC §8): the points for what a lead is. Pure.

Company size band, seniority and job function read from the job title (French and English,
``words``), sector, country, technology in use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from bascule.playbook.scoring import Scoring
from bascule.scoring import words
from bascule.scoring.explanation import Contribution


@dataclass(frozen=True, slots=True)
class Profile:
    """What scoring reads of a lead besides its signals."""

    job_title: str | None = None
    employees: int | None = None
    sector: str | None = None
    country: str | None = None
    technology: str | None = None


class Firmographics:
    """A playbook's profile rules, ready to apply: words normalised once, points remembered
    per distinct value (titles and sectors repeat a lot)."""

    def __init__(self, section: Scoring, *, french: bool) -> None:
        self.section = section
        self.french = french
        self._seniority = words.table(section.seniority)
        self._functions = words.table(section.functions)
        self._sectors = words.table(section.sectors)
        self._technologies = words.table(section.technologies)
        self._parts: dict[tuple[str, Any], tuple[Contribution, ...]] = {}

    def points(self, profile: Profile) -> tuple[Contribution, ...]:
        """The points for what the lead is; each part is remembered by its own value (a few
        hundred titles, sizes and sectors), not by whole profiles."""
        return (
            *self._memo("title", profile.job_title, self._title),
            *self._memo("employees", profile.employees, self._employees),
            *self._memo("sector", profile.sector, self._sector),
            *self._memo("technology", profile.technology, self._technology),
            *self._memo("country", profile.country, self._country),
        )

    def _memo(
        self, part: str, value: Any, make: Callable[[Any], Iterable[Contribution]]
    ) -> tuple[Contribution, ...]:
        if value is None or value == "":
            return ()
        found = self._parts.get((part, value))
        if found is None:
            if len(self._parts) > 20_000:
                self._parts.clear()
            found = self._parts[(part, value)] = tuple(make(value))
        return found

    def _title(self, job_title: str) -> Iterable[Contribution]:
        title = job_title.strip()
        said = words.normalise(title)
        level = words.first(self._seniority, said)
        if level is not None and level.points:
            label = words.label(words.LEVEL_LABELS, level.key, self.french)
            yield Contribution(
                "seniority",
                self._say("Niveau hiérarchique", "Seniority", f"{label} ({title[:60]})"),
                level.points,
            )
        function = words.first(self._functions, said)
        if function is not None and function.points:
            label = words.label(words.FUNCTION_LABELS, function.key, self.french)
            yield Contribution(
                "function",
                self._say("Fonction", "Function", f"{label} ({title[:60]})"),
                function.points,
            )

    def _employees(self, employees: int) -> Iterable[Contribution]:
        band = words.band_of(self.section.employees, employees)
        if band is not None and band.points:
            size = f"{employees} " + ("salariés" if self.french else "employees")
            yield Contribution(
                "employees", self._say("Taille de l'entreprise", "Company size", size), band.points
            )

    def _sector(self, sector: str) -> Iterable[Contribution]:
        match = words.first(self._sectors, words.normalise(sector))
        if match is not None and match.points:
            yield Contribution("sector", self._say("Secteur", "Sector", sector[:60]), match.points)

    def _technology(self, technology: str) -> Iterable[Contribution]:
        match = words.first(self._technologies, words.normalise(technology))
        if match is not None and match.points:
            text = self._say("Technologie", "Technology", technology[:60])
            yield Contribution("technology", text, match.points)

    def _country(self, country: str) -> Iterable[Contribution]:
        code = country.upper()
        points = self.section.countries.get(code, 0)
        if points:
            yield Contribution("country", self._say("Pays", "Country", code), points)

    def _say(self, french: str, english: str, what: str) -> str:
        return f"{french} : {what}" if self.french else f"{english}: {what}"
