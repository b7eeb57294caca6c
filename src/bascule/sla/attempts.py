"""Failed contact attempts (SPEC §9): after the playbook's count of consecutive failed outbound
attempts, the lead goes back to nurturing. Pure: the lead's count, status and the activity in,
the new count and what to do out; ``sla.followup`` applies it in the activity's transaction.

What counts:

- an **attempt** is an outbound activity of a response kind (call, e-mail, meeting by default,
  ``sla.response_kinds``); inbound activities, notes, tasks and signals never count;
- a **failed** attempt has an outcome in ``sla.failed_outcomes`` (no_answer, voicemail,
  bounced): the count goes up by one;
- any other outcome (reached, meeting_booked, replied, sent...) means the person was reached
  or the message went through: the count goes back to 0;
- an attempt logged **without an outcome** is neither: the count stays, since sending a lead
  back to marketing on a guess, or forgiving two real failures on one, would both be wrong.

When the count reaches ``sla.failed_attempts_to_nurturing``:

- a lead in new, contacted, mql or sql goes to nurturing (from sql it is a requalification:
  sales hands the lead back to marketing, and the requalification report counts it);
- a lead already in nurturing stays there: marketing owns it already, nothing to hand back;
- either way the count restarts at 0, so that the next round of attempts is judged afresh.

Converted and disqualified leads are left alone (an activity may still be logged on them, for
the record): a closed lead is not worked, and a disqualified one is recycled by a person.
"""

from __future__ import annotations

from dataclasses import dataclass

from bascule.leads.model import CLOSED_STATUSES, LeadStatus
from bascule.playbook.sla import Sla

# An attempt is what the SLA calls a response: an outbound call, e-mail or meeting.
from bascule.sla.rules import is_response as is_attempt

RULE = "failed_attempts"


@dataclass(frozen=True)
class Verdict:
    """The lead's count after an activity, and whether it goes back to nurturing now."""

    failed_attempts: int
    to_nurturing: bool = False
    reason: str | None = None


def judge(
    failed_attempts: int,
    *,
    kind: str,
    direction: str | None,
    outcome: str | None,
    status: str,
    sla: Sla,
) -> Verdict:
    """What one logged activity does to the lead's count of consecutive failed attempts."""
    unchanged = Verdict(failed_attempts)
    if not is_attempt(kind, direction, sla) or outcome is None:
        return unchanged
    if LeadStatus(status) in CLOSED_STATUSES:
        return unchanged
    if outcome not in sla.failed_outcomes:
        return Verdict(0)
    count = failed_attempts + 1
    limit = sla.failed_attempts_to_nurturing
    if count < limit:
        return Verdict(count)
    if LeadStatus(status) is LeadStatus.NURTURING:
        return Verdict(0)
    return Verdict(0, to_nurturing=True, reason=reason(sla))


def reason(sla: Sla) -> str:
    """The reason written in the lead's history, e.g. "3 failed contact attempts (no_answer,
    voicemail, bounced)"."""
    limit = sla.failed_attempts_to_nurturing
    noun = "attempt" if limit == 1 else "attempts"
    return f"{limit} failed contact {noun} ({', '.join(sla.failed_outcomes)})"
