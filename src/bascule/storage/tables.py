"""The database schema: typed SQLAlchemy models. Only ``storage/`` imports SQLAlchemy."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bascule.storage.db import UTCDateTime, metadata, utcnow

OPEN_LEAD = "status NOT IN ('converted', 'disqualified')"
# History rows from or to a funnel step from mql on (SPEC §16 "reached"): the funnel report
# repeats this text word for word, so that both databases see it implies the partial index's.
FUNNEL_ROWS = (
    "to_status IN ('mql', 'sql', 'converted') OR from_status IN ('mql', 'sql', 'converted')"
)


class Base(DeclarativeBase):
    metadata = metadata
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


class Team(Base):
    __tablename__ = "team"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", use_alter=True, ondelete="SET NULL")
    )


class User(Base):
    __tablename__ = "user"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(30))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="SET NULL"))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Out of office from absent_from (included) to absent_until (excluded; none: until told
    # otherwise): routing skips the user meanwhile (migration 0006).
    absent_from: Mapped[datetime | None]
    absent_until: Mapped[datetime | None]
    password_hash: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The import that created this user, an owner named in a history file (migration 0011):
    # what an undo of it removes.
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_batch.id", ondelete="SET NULL", use_alter=True), index=True
    )


class SavedView(Base):
    """A user's named lead list (migration 0012): its filters, sort and columns, as the list's
    address holds them, so opening the view is opening that address."""

    __tablename__ = "saved_view"
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_saved_view_user_id_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    filters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    sort: Mapped[str] = mapped_column(String(40))
    columns: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiToken(Base):
    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the token: the token itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    # Migration 0013: the token's first characters (what ``bascule tokens revoke`` and the
    # token list name it by; too short to guess the rest), its end, and when it was last used
    # (written at most once a minute, ``users.tokens.TOUCH_EVERY``).
    prefix: Mapped[str | None] = mapped_column(String(16), index=True)
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


class WebSession(Base):
    """A signed-in browser (migration 0009). The cookie holds a random id; only its SHA-256 is
    stored, so a copy of the database opens no session. Deleting the row signs the browser out
    on every process at once."""

    __tablename__ = "web_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Touched at most once a minute (``users.sessions.TOUCH_EVERY``): idle expiry counts from it.
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The absolute end, fixed at sign-in whatever the activity.
    expires_at: Mapped[datetime]


class SignInThrottle(Base):
    """Failed sign-ins per account (``account:<email>``) and per client address
    (``address:<ip>``), kept in the database so every process sees the same count."""

    __tablename__ = "sign_in_throttle"
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime]
    blocked_until: Mapped[datetime | None]


class Account(Base):
    __tablename__ = "account"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), index=True)
    domain: Mapped[str | None] = mapped_column(String(253), index=True)
    sector: Mapped[str | None] = mapped_column(String(120))
    employees: Mapped[int | None]
    country: Mapped[str | None] = mapped_column(String(2))
    is_customer: Mapped[bool] = mapped_column(Boolean, default=False)
    customer_since: Mapped[datetime | None]
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The record's id in the system it was imported from (migration 0011): a re-import of
    # the same id updates it.
    external_id: Mapped[str | None] = mapped_column(String(255), index=True)
    # The import that wrote this row (migration 0011): what an undo of it removes.
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_batch.id", ondelete="SET NULL", use_alter=True), index=True
    )


class Contact(Base):
    __tablename__ = "contact"
    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str | None] = mapped_column(String(120))
    last_name: Mapped[str | None] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    email_key: Mapped[str | None] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    job_title: Mapped[str | None] = mapped_column(String(200))
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL"), index=True
    )
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    do_not_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Erased on request (RGPD): identity and free text gone, counts kept (migration 0014).
    anonymised_at: Mapped[datetime | None]


class Lead(Base):
    __tablename__ = "lead"
    __table_args__ = (
        # Two open leads never share an e-mail: a second form fill is merged, not duplicated.
        Index(
            "uq_lead_open_email",
            "email_key",
            unique=True,
            sqlite_where=text(OPEN_LEAD),
            postgresql_where=text(OPEN_LEAD),
        ),
        # Lists are sorted created_at DESC, id DESC: each index ends with (created_at, id)
        # behind the columns a list is filtered on, so the page is read in index order and
        # the scan stops after page_size rows instead of sorting every match (0008).
        Index("ix_lead_created", "created_at", "id"),
        Index("ix_lead_status_created", "status", "created_at", "id"),
        Index("ix_lead_source_created", "source", "created_at", "id"),
        Index("ix_lead_status_source_created", "status", "source", "created_at", "id"),
        Index("ix_lead_owner_created", "owner_id", "created_at", "id"),
        Index("ix_lead_owner_status_created", "owner_id", "status", "created_at", "id"),
        # No index on score (dropped by migration 0007): scoring rewrites thousands of scores
        # a second, and an indexed score forbids PostgreSQL's in-place (HOT) updates, which
        # made each rewrite update every index of the table, six times the cost. Lists sorted
        # by score are narrowed by status or owner first. On PostgreSQL the table keeps 30 %
        # of each page free for those in-place updates (fillfactor 70, same migration).
        Index("ix_lead_due", "first_response_due_at"),
        # The worker's mandatory-conversion check reads only the leads past their delay.
        Index(
            "ix_lead_conversion_due",
            "conversion_due_at",
            sqlite_where=text("conversion_due_at IS NOT NULL AND conversion_overdue = 0"),
            postgresql_where=text("conversion_due_at IS NOT NULL AND NOT conversion_overdue"),
        ),
        CheckConstraint("score >= 0 AND score <= 100", name="score_range"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str | None] = mapped_column(String(120))
    last_name: Mapped[str | None] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    email_key: Mapped[str | None] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    company: Mapped[str | None] = mapped_column(String(200))
    job_title: Mapped[str | None] = mapped_column(String(200))
    employees: Mapped[int | None]
    sector: Mapped[str | None] = mapped_column(String(120))
    country: Mapped[str | None] = mapped_column(String(2))
    technology: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(40))
    campaign: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="sales")
    temperature: Mapped[str | None] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), default="new")
    disqualification_reason: Mapped[str | None] = mapped_column(String(200))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # The team whose queue holds the lead while nobody owns it (migration 0013, SPEC §18):
    # the routing rule's team when none of its members could take it.
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("team.id", ondelete="SET NULL"), index=True
    )
    score: Mapped[int] = mapped_column(Integer, default=0)
    score_explanation: Mapped[list[Any]] = mapped_column(default=list)
    qualification: Mapped[dict[str, Any] | None]
    ready_to_convert: Mapped[bool] = mapped_column(Boolean, default=False)
    do_not_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    # Lower-cased "first last company email": what the text search (q) looks in.
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    assigned_at: Mapped[datetime | None]
    first_response_due_at: Mapped[datetime | None]
    first_response_at: Mapped[datetime | None]
    converted_at: Mapped[datetime | None]
    # Indexed for the account and contact pages, which list the leads converted into them (0017).
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL"), index=True
    )
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="SET NULL"), index=True
    )
    opportunity_id: Mapped[int | None] = mapped_column(
        ForeignKey("opportunity.id", ondelete="SET NULL", use_alter=True)
    )
    # Imports (migration 0003): the record's id in the system it came from (Salesforce Id,
    # "Prospect ID"...), every column of the file that no field took, and the import that
    # created the lead (what an undo deletes).
    external_id: Mapped[str | None] = mapped_column(String(255), index=True)
    attributes: Mapped[dict[str, Any] | None]
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_batch.id", ondelete="SET NULL", use_alter=True), index=True
    )
    # Predictive score (migration 0005): probability of conversion from the latest model,
    # its reasons [{feature, value, direction, weight}] and that model's version.
    conversion_probability: Mapped[float | None] = mapped_column(Float)
    conversion_reasons: Mapped[list[Any] | None]
    conversion_model_version: Mapped[int | None] = mapped_column(Integer)
    # SLAs, routing and mandatory conversion (migration 0006): the form that last asked for
    # contact (what SLA and routing rules match), consecutive failed outbound attempts, since
    # when the lead is ready to convert and when that becomes overdue, and the flag.
    form_type: Mapped[str | None] = mapped_column(String(30))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    ready_since: Mapped[datetime | None]
    conversion_due_at: Mapped[datetime | None]
    conversion_overdue: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    conversion_overdue_at: Mapped[datetime | None]
    # Erased on request or by retention (RGPD): identity and free text gone, the row kept for
    # the reports' counts (migration 0014).
    anonymised_at: Mapped[datetime | None]


class LeadScoreState(Base):
    """What a lead's rule score goes on from (SPEC §8, migration 0019): the decayed points of
    each behaviour rule before its cap (``behaviour``, rule key -> points) at ``as_of``. A
    batch of signals rewrites this narrow row, and the wide lead row only when the score or
    its explanation as shown changed. ``score`` is the lead's score this state gave: a lead
    whose score was written by something else since (demo data, an import) has a different
    one, and is scored from its signals again."""

    __tablename__ = "lead_score_state"
    lead_id: Mapped[int] = mapped_column(
        ForeignKey("lead.id", ondelete="CASCADE"), primary_key=True
    )
    score: Mapped[int] = mapped_column(Integer)
    behaviour: Mapped[dict[str, Any]]
    as_of: Mapped[datetime | None]


class Consent(Base):
    """What a lead or contact agreed to, per purpose (``[privacy] consent_purposes``): the
    latest answer, when it was given and where from; earlier answers are in the audit log
    (migration 0014)."""

    __tablename__ = "consent"
    __table_args__ = (
        UniqueConstraint("lead_id", "purpose", name="uq_consent_lead_purpose"),
        UniqueConstraint("contact_id", "purpose", name="uq_consent_contact_purpose"),
        CheckConstraint("(lead_id IS NULL) <> (contact_id IS NULL)", name="one_person"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("lead.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(60))
    granted: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime]
    source: Mapped[str | None] = mapped_column(String(120))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Tag(Base):
    __tablename__ = "tag"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)


class LeadTag(Base):
    __tablename__ = "lead_tag"
    lead_id: Mapped[int] = mapped_column(
        ForeignKey("lead.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(
        ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class LeadStatusHistory(Base):
    __tablename__ = "lead_status_history"
    __table_args__ = (
        # Reports read history by kind over a period (requalifications, assignments): 0007.
        Index("ix_lead_status_history_kind_changed", "kind", "changed_at"),
        # A lead's rows in time order with their statuses: the stage-time report's stays read
        # only this index (0020). Its first column serves the lead page and the cascades.
        Index(
            "ix_lead_status_history_lead_changed",
            "lead_id",
            "changed_at",
            "id",
            "to_status",
            "from_status",
        ),
        # The rows that reach mql or beyond: the funnel reads only these (0020).
        Index(
            "ix_lead_status_history_reached",
            "lead_id",
            "to_status",
            "from_status",
            sqlite_where=text(FUNNEL_ROWS),
            postgresql_where=text(FUNNEL_ROWS),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("lead.id", ondelete="CASCADE"))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    actor_rule: Mapped[str | None] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str | None] = mapped_column(Text)
    # The import that wrote this row (migration 0011): what an undo of it removes.
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_batch.id", ondelete="SET NULL", use_alter=True), index=True
    )


class LeadConversion(Base):
    """One row per converted lead: the database refuses a second conversion."""

    __tablename__ = "lead_conversion"
    lead_id: Mapped[int] = mapped_column(
        ForeignKey("lead.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"))
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunity.id"))
    # Hash of the request that converted the lead: the same request again gets the same answer.
    request_hash: Mapped[str] = mapped_column(String(64))
    converted_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))


class Opportunity(Base):
    __tablename__ = "opportunity"
    __table_args__ = (
        # One open opportunity per project (normalised name) on an account.
        Index(
            "uq_opportunity_open_project",
            "account_id",
            "name_key",
            unique=True,
            sqlite_where=text("is_closed = 0"),
            postgresql_where=text("NOT is_closed"),
        ),
        Index("ix_opportunity_stage_close", "stage", "expected_close_date"),
        CheckConstraint("amount >= 0", name="amount_positive"),
        CheckConstraint("probability >= 0 AND probability <= 100", name="probability_range"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    expected_close_date: Mapped[date] = mapped_column(Date)
    stage: Mapped[str] = mapped_column(String(40))
    probability: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(30))
    lead_source: Mapped[str] = mapped_column(String(40))
    campaign: Mapped[str | None] = mapped_column(String(200))
    lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("lead.id", ondelete="SET NULL"), index=True
    )
    loss_reason: Mapped[str | None] = mapped_column(String(40))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    is_closed: Mapped[bool] = mapped_column(Boolean, default=False)
    is_won: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_at: Mapped[datetime | None]
    qualification: Mapped[dict[str, Any] | None]
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # An opportunity born of an RFP has a first-response SLA of its own (migration 0006).
    first_response_due_at: Mapped[datetime | None]
    first_response_at: Mapped[datetime | None]
    # The record's id in the system it was imported from (migration 0011): a re-import of
    # the same id updates it.
    external_id: Mapped[str | None] = mapped_column(String(255), index=True)
    # The import that wrote this row (migration 0011): what an undo of it removes.
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_batch.id", ondelete="SET NULL", use_alter=True), index=True
    )


class OpportunityContact(Base):
    __tablename__ = "opportunity_contact"
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunity.id", ondelete="CASCADE"), primary_key=True
    )
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(40))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)


class OpportunityStageHistory(Base):
    __tablename__ = "opportunity_stage_history"
    # An opportunity's rows in time order with their stages: the stage-time report (0020).
    __table_args__ = (
        Index(
            "ix_opportunity_stage_history_opportunity_changed",
            "opportunity_id",
            "changed_at",
            "id",
            "to_stage",
            "from_stage",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunity.id", ondelete="CASCADE"))
    from_stage: Mapped[str | None] = mapped_column(String(40))
    to_stage: Mapped[str] = mapped_column(String(40))
    probability: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(Text)
    # The import that wrote this row (migration 0011): what an undo of it removes.
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_batch.id", ondelete="SET NULL", use_alter=True), index=True
    )


class SlaClock(Base):
    """One first-response deadline (SPEC §9): started at an assignment for a lead (or an RFP's
    opportunity), stopped by the first outbound call, e-mail or meeting. Breach and escalation
    are stamped by the worker; the SLA report counts these rows (migration 0006)."""

    __tablename__ = "sla_clock"
    __table_args__ = (
        # The worker's tick reads only the running clocks that are due, through these.
        Index(
            "ix_sla_clock_due",
            "due_at",
            sqlite_where=text("stopped_at IS NULL AND breached_at IS NULL"),
            postgresql_where=text("stopped_at IS NULL AND breached_at IS NULL"),
        ),
        Index(
            "ix_sla_clock_escalate",
            "escalate_at",
            sqlite_where=text("stopped_at IS NULL AND escalated_at IS NULL"),
            postgresql_where=text("stopped_at IS NULL AND escalated_at IS NULL"),
        ),
        Index("ix_sla_clock_started", "started_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("lead.id", ondelete="CASCADE"), index=True
    )
    opportunity_id: Mapped[int | None] = mapped_column(
        ForeignKey("opportunity.id", ondelete="CASCADE"), index=True
    )
    rule: Mapped[str] = mapped_column(String(40))
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    started_at: Mapped[datetime]
    due_at: Mapped[datetime]
    stopped_at: Mapped[datetime | None]
    # stopped by: "response" (an activity), "reassigned", "closed" (converted, disqualified...)
    stopped_by: Mapped[str | None] = mapped_column(String(20))
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activity.id", ondelete="SET NULL"))
    breached_at: Mapped[datetime | None]
    escalate_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]


class RoutingCounter(Base):
    """How many leads a routing rule gave each member of its team: weighted round-robin
    gives the next lead to the member furthest behind their share (migration 0006)."""

    __tablename__ = "routing_counter"
    rule: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    assigned: Mapped[int] = mapped_column(Integer, default=0)


class Activity(Base):
    __tablename__ = "activity"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # call, email, meeting, note, task, signal
    direction: Mapped[str | None] = mapped_column(String(3))  # in / out
    outcome: Mapped[str | None] = mapped_column(String(30))
    summary: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("lead.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    opportunity_id: Mapped[int | None] = mapped_column(
        ForeignKey("opportunity.id", ondelete="CASCADE"), index=True
    )
    details: Mapped[dict[str, Any] | None]


class AuditLog(Base):
    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_entity", "entity", "entity_id"),
        # The audit page reads newest first, by period and by actor (migration 0013).
        Index("ix_audit_log_at", "at", "id"),
        Index("ix_audit_log_actor", "actor_user_id", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    actor_rule: Mapped[str | None] = mapped_column(String(80))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))
    changes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    reason: Mapped[str | None] = mapped_column(Text)


class Outbox(Base):
    """Alerts and deliveries, written in the transaction of the change that caused them."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(60))
    channel: Mapped[str] = mapped_column(String(20), default="in_app")
    recipient_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]
    read_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class IntakeRateBucket(Base):
    """A public form's token bucket (form key and client address), shared by every API process
    on PostgreSQL, where the table is UNLOGGED (0008): a bucket is worth a minute at most."""

    __tablename__ = "intake_rate_bucket"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    # The database's clock, shared by the processes (their own clocks are not).
    refilled_at: Mapped[datetime] = mapped_column(index=True)
    # Whether the last request that touched the bucket got through.
    allowed: Mapped[bool] = mapped_column(Boolean)


class PlaybookVersion(Base):
    __tablename__ = "playbook_version"
    __table_args__ = (UniqueConstraint("version", name="uq_playbook_version_version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(254))


# --- intake (forms, signals, imports) ---------------------------------------------------------


class IntakeForm(Base):
    """A public form's key: only its hash is stored; revoking it closes the form."""

    __tablename__ = "intake_form"
    id: Mapped[int] = mapped_column(primary_key=True)
    form_type: Mapped[str] = mapped_column(String(40))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class IdempotencyRecord(Base):
    """The first answer to a request carrying an Idempotency-Key, replayed on retries."""

    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("scope", "key", name="uq_idempotency_record_scope_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(80))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Signal(Base):
    """A behavioural fact (page view, form, product usage). Kept even when nobody is known yet:
    ``email_key`` lets it be attached when that person is identified later."""

    __tablename__ = "signal"
    __table_args__ = (
        Index("ix_signal_lead_occurred", "lead_id", "occurred_at"),
        Index("ix_signal_contact_occurred", "contact_id", "occurred_at"),
        Index(
            "ix_signal_unattached_email",
            "email_key",
            sqlite_where=text("lead_id IS NULL AND contact_id IS NULL"),
            postgresql_where=text("lead_id IS NULL AND contact_id IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("lead.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"))
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    email_key: Mapped[str | None] = mapped_column(String(254))
    workspace: Mapped[str | None] = mapped_column(String(120), index=True)
    origin: Mapped[str] = mapped_column(String(20), default="event")  # event, form, import
    properties: Mapped[dict[str, Any]] = mapped_column(default=dict)


class UpsellSuggestion(Base):
    """A commercial signal from a customer, waiting for the account manager (SPEC §6)."""

    __tablename__ = "upsell_suggestion"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id", ondelete="SET NULL"))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("lead.id", ondelete="SET NULL"))
    signal_id: Mapped[int | None] = mapped_column(ForeignKey("signal.id", ondelete="SET NULL"))
    intent: Mapped[str] = mapped_column(String(40))
    summary: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open, converted, dismissed
    opportunity_id: Mapped[int | None] = mapped_column(
        ForeignKey("opportunity.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ImportBatch(Base):
    __tablename__ = "import_batch"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(255))
    format: Mapped[str] = mapped_column(String(10))  # csv, vcard
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    tag: Mapped[str | None] = mapped_column(String(100))
    temperature: Mapped[str | None] = mapped_column(String(10))
    source: Mapped[str | None] = mapped_column(String(40))
    mapping: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(
        String(20), default="running"
    )  # running, done, failed, undone
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_created: Mapped[int] = mapped_column(Integer, default=0)
    rows_updated: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str | None] = mapped_column(Text)
    # What was found out about the file: encoding, columns, notes, counts by outcome (0003).
    report: Mapped[dict[str, Any] | None]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    undone_at: Mapped[datetime | None]


class ImportRowError(Base):
    __tablename__ = "import_row_error"
    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(
        ForeignKey("import_batch.id", ondelete="CASCADE"), index=True
    )
    row_number: Mapped[int] = mapped_column(Integer)
    field: Mapped[str | None] = mapped_column(String(80))
    reason: Mapped[str] = mapped_column(Text)
    # True when the row made no lead; False for a refused value on a row that was imported.
    rejected: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))


class ImportChange(Base):
    """What an import did to one lead, so that the import can be undone."""

    __tablename__ = "import_change"
    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(
        ForeignKey("import_batch.id", ondelete="CASCADE"), index=True
    )
    # Indexed (0003): deleting a lead looks here for rows to set to NULL.
    lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("lead.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(10))  # created, updated
    before: Mapped[dict[str, Any] | None]


# --- alert delivery (migration 0004) ----------------------------------------------------------


class AlertDelivery(Base):
    """One channel of one alert: an e-mail to a person or a POST to a webhook. Each has its own
    attempts and backoff, so a failing channel never holds back another (in-app delivery is the
    outbox row itself: ``Outbox.delivered_at``)."""

    __tablename__ = "alert_delivery"
    __table_args__ = (
        UniqueConstraint("outbox_id", "channel", "target", name="uq_alert_delivery_target"),
        # The queue: due pending deliveries, oldest first, straight from the index.
        Index(
            "ix_alert_delivery_due",
            "next_attempt_at",
            "id",
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(20))  # email, person_email, webhook
    # The e-mail address, or the webhook's name in the playbook.
    target: Mapped[str] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(20), default="pending")  # + delivered, dead, skipped
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class AlertDeliveryAttempt(Base):
    """The delivery log: every attempt (and every replay) of a channel delivery."""

    __tablename__ = "alert_delivery_attempt"
    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("alert_delivery.id", ondelete="CASCADE"), index=True
    )
    attempt: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # delivered, failed, dead (the last failure), skipped (do-not-contact...), replayed
    outcome: Mapped[str] = mapped_column(String(20))
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int | None] = mapped_column(Integer)


# The live alert stream on SQLite polls for alerts delivered since its last look.
Index("ix_outbox_delivered_at", Outbox.delivered_at)


# --- predictive score (migration 0005) --------------------------------------------------------


class PredictiveModel(Base):
    """A trained conversion model, versioned. ``schema_version`` is the feature and model format
    of the code that trained it: a model of another format is refused, never used."""

    __tablename__ = "predictive_model"
    __table_args__ = (UniqueConstraint("version", name="uq_predictive_model_version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(254))
    schema_version: Mapped[int] = mapped_column(Integer)
    algorithm: Mapped[str] = mapped_column(String(40))
    features: Mapped[list[Any]] = mapped_column(default=list)
    excluded: Mapped[list[Any]] = mapped_column(default=list)
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The fitted model (joblib). Written and read only by Bascule itself.
    model: Mapped[bytes] = mapped_column(LargeBinary)
