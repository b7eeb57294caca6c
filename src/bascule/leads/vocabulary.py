"""The words of a lead's life (SPEC §2): statuses and their sets, kinds, temperatures. Pure.

Imports nothing from Bascule, so that the playbook (which sits below ``leads.model``),
storage and every entry point name a status from this one place.
"""

from __future__ import annotations

from enum import StrEnum


class LeadStatus(StrEnum):
    NEW = "new"
    CONTACTED = "contacted"
    NURTURING = "nurturing"
    MQL = "mql"
    SQL = "sql"
    CONVERTED = "converted"
    DISQUALIFIED = "disqualified"


class LeadKind(StrEnum):
    SALES = "sales"
    SUPPORT_SERVICE = "support_service"


class Temperature(StrEnum):
    HOT = "hot"
    WARM = "warm"
    COLD = "cold"


CLOSED_STATUSES = frozenset({LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED})
OPEN_STATUSES = frozenset(LeadStatus) - CLOSED_STATUSES
# Statuses a score crossing the MQL threshold promotes from (SPEC §8).
PROMOTABLE_STATUSES = frozenset({LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.NURTURING})
# As plain texts in the order of the lifecycle, for SQL ``IN`` lists and messages.
LEAD_STATUSES = tuple(s.value for s in LeadStatus)
OPEN_LEAD_STATUSES = tuple(s.value for s in LeadStatus if s in OPEN_STATUSES)
CLOSED_LEAD_STATUSES = tuple(s.value for s in LeadStatus if s in CLOSED_STATUSES)
