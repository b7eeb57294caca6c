"""One error hierarchy for the whole application.

Every error carries a stable ``code`` and, where a field is at fault, a ``fields`` mapping.
The API turns them into SPEC §13 JSON; the CLI into a one-line reason on stderr.

    BasculeError                       400 bad_request
    ├── ValidationFailed               422 validation_failed (fields)
    │   ├── MissingFields              422 missing_fields
    │   ├── NotReadyToConvert          422 not_ready_to_convert
    │   ├── PlaybookInvalid            422 playbook_invalid
    │   └── NotEnoughHistory           422 not_enough_history (predictive model)
    ├── NotFound                       404 not_found
    │   └── NoModel                    404 no_model (no predictive model trained yet)
    ├── Unauthorized                   401 unauthorized
    ├── Forbidden                      403 forbidden
    ├── PayloadTooLarge                413 payload_too_large
    ├── UnsupportedMediaType           415 unsupported_media_type (an upload's type)
    ├── RateLimited                    429 rate_limited (retry_after; Retry-After header)
    └── Conflict                       409 conflict
        ├── InvalidTransition          409 invalid_transition
        ├── DuplicateOpportunity       409 duplicate_opportunity (existing_id)
        ├── DuplicateLead              409 duplicate_lead (existing_id)
        ├── AlreadyConverted           409 already_converted
        ├── ClosedOpportunity          409 opportunity_closed
        ├── AmbiguousAccount           409 ambiguous_account (choices)
        ├── ExistingCustomer           409 existing_customer
        ├── IdempotencyConflict        409 idempotency_conflict
        ├── WorkerAlreadyRunning       409 worker_already_running (its lock file is held)
        └── ModelSchemaMismatch        409 model_schema_mismatch (stored model unreadable)
"""

from __future__ import annotations

from typing import Any


class BasculeError(Exception):
    status = 400
    code = "bad_request"
    headers: dict[str, str] = {}  # HTTP headers the API adds to the error response

    def __init__(self, message: str, *, fields: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.extra = extra


class ValidationFailed(BasculeError):
    status = 422
    code = "validation_failed"


class MissingFields(ValidationFailed):
    code = "missing_fields"

    def __init__(self, fields: dict[str, str]) -> None:
        names = ", ".join(sorted(fields))
        super().__init__(f"Missing or invalid fields: {names}", fields=fields)


class NotReadyToConvert(ValidationFailed):
    code = "not_ready_to_convert"


class PlaybookInvalid(ValidationFailed):
    code = "playbook_invalid"


class NotFound(BasculeError):
    status = 404
    code = "not_found"


class Unauthorized(BasculeError):
    status = 401
    code = "unauthorized"


class Forbidden(BasculeError):
    status = 403
    code = "forbidden"


class Conflict(BasculeError):
    status = 409
    code = "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class DuplicateOpportunity(Conflict):
    code = "duplicate_opportunity"

    def __init__(self, existing_id: int, name: str) -> None:
        super().__init__(
            f"An open opportunity for this project already exists on the account: #{existing_id}",
            fields={"name": f"already open as opportunity {existing_id}"},
            existing_id=existing_id,
        )
        self.existing_id = existing_id


class DuplicateLead(Conflict):
    code = "duplicate_lead"

    def __init__(self, existing_id: int) -> None:
        super().__init__(
            f"An open lead with this e-mail already exists: #{existing_id}",
            fields={"email": f"already used by open lead {existing_id}"},
            existing_id=existing_id,
        )
        self.existing_id = existing_id


class AlreadyConverted(Conflict):
    code = "already_converted"


class ClosedOpportunity(Conflict):
    code = "opportunity_closed"


class AmbiguousAccount(Conflict):
    code = "ambiguous_account"

    def __init__(self, choices: list[dict[str, Any]]) -> None:
        super().__init__(
            "Several accounts match this lead; choose one with account_id",
            fields={"account_id": "required: several accounts match"},
            choices=choices,
        )
        self.choices = choices


class ExistingCustomer(Conflict):
    code = "existing_customer"


class IdempotencyConflict(Conflict):
    code = "idempotency_conflict"


class WorkerAlreadyRunning(Conflict):
    code = "worker_already_running"


class PayloadTooLarge(BasculeError):
    status = 413
    code = "payload_too_large"


class UnsupportedMediaType(BasculeError):
    status = 415
    code = "unsupported_media_type"


class RateLimited(BasculeError):
    status = 429
    code = "rate_limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"too many requests: retry in {retry_after} s",
            fields={},
            retry_after=retry_after,
        )
        self.headers = {"Retry-After": str(retry_after)}


class NotEnoughHistory(ValidationFailed):
    """Too few leads with a known outcome (or a single outcome) to train a predictive model."""

    code = "not_enough_history"


class NoModel(NotFound):
    code = "no_model"


class ModelSchemaMismatch(Conflict):
    """A stored predictive model of another schema version (or unreadable): never used."""

    code = "model_schema_mismatch"
