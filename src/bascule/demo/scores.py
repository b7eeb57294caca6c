"""Demo lead scores: a score in the range its status implies, with the reasons behind it.

Pure. The points mimic the default scoring rules (firmographics plus behaviour, SPEC §8) so the
explanations read like the real ones.
"""

from __future__ import annotations

import random
from typing import Any

SCORE_RANGES = {
    "new": (5, 45),
    "contacted": (10, 49),
    "nurturing": (10, 49),
    "mql": (50, 85),
    "sql": (55, 95),
    "converted": (60, 100),
    "disqualified": (0, 40),
}
BEHAVIOURS = (
    ("Visite de la page tarifs", 15),
    ("Participation à un webinar", 12),
    ("Téléchargement d'un livre blanc", 10),
    ("Clic dans une newsletter", 5),
    ("Visites répétées du site", 6),
    ("Ouverture des e-mails de nurturing", 4),
)


def score_for(
    status: str, rng: random.Random, *, employees: int, seniority: str, source: str
) -> tuple[int, list[dict[str, Any]]]:
    """A score in the status's range, with the reasons that add up to it."""
    low, high = SCORE_RANGES[status]
    target = rng.randint(low, high)
    size = 15 if employees >= 250 else 10 if employees >= 50 else 4
    function = {"executive": ("direction", 15), "manager": ("management", 10)}
    label, points = function.get(seniority, ("opérationnelle", 3))
    items: list[list[Any]] = [
        [f"Taille d'entreprise : {employees} salariés", size],
        [f"Fonction : {label}", points],
    ]
    if source == "demo_request":
        items.append(["Demande de démo", 30])
    total = sum(p for _, p in items)
    while total < target:
        reason, points = rng.choice(BEHAVIOURS)
        items.append([reason, points])
        total += points
    if total > target:
        items[-1][1] -= total - target
        if items[-1][1] <= 0:
            items[-1] = ["Inactivité récente (décroissance)", items[-1][1]]
    merged: dict[str, int] = {}
    for reason, points in items:
        merged[reason] = merged.get(reason, 0) + points
    return target, [{"reason": r, "points": p} for r, p in merged.items() if p != 0]


def temperature_for(score: int) -> str:
    return "hot" if score >= 70 else "warm" if score >= 40 else "cold"


def warmest(a: str, b: str) -> str:
    """The warmer of two temperatures (scoring warms a lead up, never cools it down)."""
    order = ("cold", "warm", "hot")
    return max(a, b, key=order.index)
