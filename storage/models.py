"""The tables. Every row belongs to one organisation (``org_id``): one deployment may serve many.

StatusReport is append-only: a changed answer is a new row, the history stays. The enums the columns hold are
the domain's (domain/vocabulary.py), imported here for the tables.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from base.values import utcnow
from domain.vocabulary import (
    CannotReason,
    Decision,
    ItemKind,
    LeaveKind,
    Office,
    OrgKind,
    Role,
    RoundState,
    SectionLevel,
    SignoffState,
    Status,
)
from storage.types import ExactDecimal, Money, UTCDateTime


def id_of(row: SQLModel) -> int:
    """A stored row's id. The column is ``int | None`` because a new row has none until it is flushed; asking a
    row that has none is a fault, said here at once instead of a None travelling on into a key or a query."""
    value = getattr(row, "id", None)
    if not isinstance(value, int):
        raise ValueError(f"{type(row).__name__} has no id yet: flush it first")
    return value


def _enum(enum_cls: type[enum.Enum]) -> Any:
    """Store an enum by its value as plain text (portable, readable in SQL, no DB enum types)."""

    return SAEnum(
        enum_cls,
        native_enum=False,
        values_callable=lambda e: [m.value for m in e],
        length=max(len(m.value) for m in enum_cls) + 8,
        validate_strings=True,
    )


class Organisation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    kind: OrgKind = Field(sa_type=_enum(OrgKind))
    province: str = Field(default="", max_length=100)
    district: str = Field(default="", max_length=100)
    address: str = Field(default="", max_length=400)
    is_demo: bool = False
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # moved by database triggers whenever the organisation's rounds, units, plan items or owners change
    # (migration 0012): steps keep those in a snapshot checked against it (storage/snapshot.py)
    plan_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class Oversight(SQLModel, table=True):
    """An oversight organisation (kind OVERSIGHT) oversees another organisation: its roll-ups include it."""

    __table_args__ = (UniqueConstraint("overseer_id", "org_id"),)
    id: int | None = Field(default=None, primary_key=True)
    overseer_id: int = Field(foreign_key="organisation.id", index=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Unit(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("org_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    name: str = Field(max_length=200)
    parent_id: int | None = Field(default=None, foreign_key="unit.id")
    is_active: bool = True


class FiscalYear(SQLModel, table=True):
    __tablename__ = "fiscal_year"
    __table_args__ = (UniqueConstraint("org_id", "year_be"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    year_be: int
    plan_approved_on: dt.date | None = None  # the executive's approval of this year's plan (ITA O23)
    plan_approved_by: str = Field(default="", max_length=200, sa_column_kwargs={"server_default": ""})


class Round(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("fiscal_year_id", "months"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    fiscal_year_id: int = Field(foreign_key="fiscal_year.id")
    months: int  # 6 or 12
    period_start: dt.date
    period_end: dt.date
    opens_on: dt.date
    due_on: dt.date
    submit_by: dt.date
    state: RoundState = Field(default=RoundState.PLANNED, sa_type=_enum(RoundState))


class PlanSection(SQLModel, table=True):
    """One heading of the plan's hierarchy (strategy, dimension, mission, sub-item): data, not code."""

    __tablename__ = "plan_section"
    __table_args__ = (UniqueConstraint("fiscal_year_id", "level", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    fiscal_year_id: int = Field(foreign_key="fiscal_year.id")
    level: SectionLevel = Field(sa_type=_enum(SectionLevel))
    code: str = Field(max_length=20)
    title: str = Field(default="", max_length=1000)
    parent_id: int | None = Field(default=None, foreign_key="plan_section.id")


class PlanItem(SQLModel, table=True):
    __tablename__ = "plan_item"
    __table_args__ = (UniqueConstraint("fiscal_year_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    fiscal_year_id: int = Field(foreign_key="fiscal_year.id")
    code: str = Field(max_length=30)
    number: str = Field(default="", max_length=20)
    position: int = 0
    kind: ItemKind = Field(sa_type=_enum(ItemKind))
    title: str = Field(max_length=2000)
    kpi: str = Field(default="", max_length=2000)
    target_unit: str = Field(default="", max_length=100)
    target_qty: Decimal | None = Field(default=None, sa_type=ExactDecimal)
    budget_plan: Decimal | None = Field(default=None, sa_type=Money)
    budget_ordinance: Decimal | None = Field(default=None, sa_type=Money)
    no_budget: bool = False
    months: str = Field(default="", max_length=100)
    month_from: dt.date | None = None
    month_to: dt.date | None = None
    all_units: bool = False
    strategy_id: int | None = Field(default=None, foreign_key="plan_section.id")
    dimension_id: int = Field(foreign_key="plan_section.id")
    mission_id: int = Field(foreign_key="plan_section.id")
    subitem_id: int | None = Field(default=None, foreign_key="plan_section.id")


class PlanItemUnit(SQLModel, table=True):
    """The units that own an item and must each answer for it."""

    __tablename__ = "plan_item_unit"
    item_id: int = Field(foreign_key="plan_item.id", primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", primary_key=True)


class Person(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    display_name: str = Field(default="", max_length=200)
    lang: str = Field(default="th", max_length=5)
    notify_platform: str = Field(default="", max_length=20, sa_column_kwargs={"server_default": ""})
    # where reminders go; empty: every linked account
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ChannelAccount(SQLModel, table=True):
    __tablename__ = "channel_account"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    platform: str = Field(max_length=20)  # telegram | line | simulator
    external_id: str = Field(max_length=100)


class Membership(SQLModel, table=True):
    """A person's role, for one unit (head, member) or the whole organisation (admin, manager)."""

    __table_args__ = (UniqueConstraint("person_id", "unit_id", "role"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    role: Role = Field(sa_type=_enum(Role))


class StatusReport(SQLModel, table=True):
    __tablename__ = "status_report"
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    round_id: int = Field(foreign_key="round.id", index=True)
    item_id: int = Field(foreign_key="plan_item.id", index=True)
    unit_id: int = Field(foreign_key="unit.id")
    status: Status = Field(sa_type=_enum(Status))
    done_text: str = Field(default="", max_length=4000)
    qty_achieved: Decimal | None = Field(default=None, sa_type=ExactDecimal)
    disbursed: Decimal | None = Field(default=None, sa_type=Money)
    no_budget_used: bool = False
    months: str = Field(default="", max_length=100)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    evidence: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    problems: str = Field(default="", max_length=4000)
    reason: str = Field(default="", max_length=4000)
    reason_category: CannotReason | None = Field(default=None, sa_type=_enum(CannotReason))
    person_id: int | None = Field(default=None, foreign_key="person.id")
    channel: str = Field(default="", max_length=20)
    # the 6-month answer this one repeats in the 12-month round (a completed item is carried, not asked again)
    carried_from_id: int | None = Field(default=None, foreign_key="status_report.id")
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    row_hash: str = Field(default="", max_length=64)  # SHA-256 of what it says, sealed by its audit line

    @property
    def carried(self) -> bool:
        return self.carried_from_id is not None


class RoundNarrative(SQLModel, table=True):
    __tablename__ = "round_narrative"
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    round_id: int = Field(foreign_key="round.id", unique=True)
    supporting: str = Field(default="", max_length=8000)
    problems: str = Field(default="", max_length=8000)
    suggestions: str = Field(default="", max_length=8000)
    updated_by: int | None = Field(default=None, foreign_key="person.id")
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_log"
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    actor: str = Field(default="", max_length=100)  # "cli", "telegram:123", ...
    action: str = Field(max_length=50)
    entity: str = Field(max_length=50)
    entity_id: int | None = None
    old: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    new: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # the organisation's chain (storage/chain.py): the previous line's hash, and this line's over both
    chain_prev: str = Field(default="", max_length=64)
    chain_hash: str = Field(default="", max_length=64)


class Invite(SQLModel, table=True):
    """A code that binds whoever opens it to a unit and role (single- or multi-use, expiring)."""

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    code: str = Field(max_length=20, unique=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    role: Role = Field(sa_type=_enum(Role))
    uses_left: int = 1
    expires_at: dt.datetime = Field(sa_type=UTCDateTime)
    created_by: str = Field(default="", max_length=100)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Conversation(SQLModel, table=True):
    """Where a person is in a conversation, so a restart resumes at the same step."""

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    account_id: int = Field(foreign_key="channel_account.id", unique=True)
    step: str = Field(default="", max_length=50)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class GroupChat(SQLModel, table=True):
    """A unit's group chat on a platform: reminders for the unit go there."""

    __tablename__ = "group_chat"
    __table_args__ = (UniqueConstraint("platform", "chat_id"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    unit_id: int = Field(foreign_key="unit.id")
    platform: str = Field(max_length=20)
    chat_id: str = Field(max_length=100)
    title: str = Field(default="", max_length=200)
    bound_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ProcessedEvent(SQLModel, table=True):
    """Platform events already handled: a redelivered or replayed one is acknowledged, not redone."""

    __tablename__ = "processed_event"
    __table_args__ = (UniqueConstraint("platform", "event_id"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=20)
    event_id: str = Field(max_length=100)
    at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TickMark(SQLModel, table=True):
    """What the minute tick has planned already: a rung or the thank-you for a unit, a week's digest or a
    quota notice for the organisation (unit 0). Lets the tick find, set-wise, the few organisations with
    anything new instead of planning every one each minute; the outbox keys stay the guard against twice."""

    __tablename__ = "tick_mark"
    __table_args__ = (UniqueConstraint("round_id", "unit_id", "mark"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    round_id: int = Field(foreign_key="round.id")
    unit_id: int = 0
    mark: str = Field(max_length=60)


class Holiday(SQLModel, table=True):
    """A day off an admin adds on top of weekends and Thailand's public holidays."""

    __table_args__ = (UniqueConstraint("org_id", "day"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    day: dt.date
    name: str = Field(default="", max_length=200)


class Leave(SQLModel, table=True):
    """A person away (leave, official travel) from ``starts_on`` to ``ends_on`` inclusive; reminders pass them by.
    Cancelling deletes the row (the audit log keeps that it existed)."""

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    starts_on: dt.date
    ends_on: dt.date
    kind: LeaveKind = Field(sa_type=_enum(LeaveKind))
    recorded_by: str = Field(default="", max_length=100)
    recorded_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Acting(SQLModel, table=True):
    """An acting officer (รักษาราชการแทน): ``person_id`` acts for the head of ``unit_id`` — or, with no unit, for the
    ปลัด — from ``starts_on`` to ``ends_on`` inclusive, and receives what that office receives."""

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    starts_on: dt.date
    ends_on: dt.date
    recorded_by: str = Field(default="", max_length=100)
    recorded_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OutboxState(str, enum.Enum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    DROPPED = "dropped"  # a rung found too late to make sense: logged, never sent


class Outbox(SQLModel, table=True):
    """The send ledger and queue: a row is claimed under a unique key before anything is sent."""

    # the dispatcher's claim (pending, of these platforms, due, oldest first) read in index order: without it each
    # claim sorted every pending row, and a nation's wave of 60,000 was sent at a few dozen a second
    __table_args__ = (Index("ix_outbox_due", "state", "platform", "not_before", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    key: str = Field(max_length=250, unique=True)
    kind: str = Field(max_length=30)  # reminder, thanks, digest, notice
    platform: str = Field(max_length=20)
    chat_id: str = Field(max_length=100)
    is_group: bool = False
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    state: OutboxState = Field(default=OutboxState.PENDING, sa_type=_enum(OutboxState))  # ix_outbox_due's first
    attempts: int = 0
    not_before: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    lease_until: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    owner: str = Field(default="", max_length=100)
    last_error: str = Field(default="", max_length=500)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class SchedulerLock(SQLModel, table=True):
    """Exactly one active scheduler: the holder renews its lease; others wait and take over."""

    __tablename__ = "scheduler_lock"
    name: str = Field(primary_key=True, max_length=50)
    holder: str = Field(max_length=200)
    expires_at: dt.datetime = Field(sa_type=UTCDateTime)


class LinkCode(SQLModel, table=True):
    """A one-time code that links a person's account on another platform (Telegram ↔ LINE)."""

    __tablename__ = "link_code"
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    code: str = Field(max_length=20, unique=True)
    expires_at: dt.datetime = Field(sa_type=UTCDateTime)
    used: bool = False


class DownloadLink(SQLModel, table=True):
    """A short-lived, unguessable link to a file (LINE cannot send documents in chat)."""

    __tablename__ = "download_link"
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    token: str = Field(max_length=64, unique=True)
    path: str = Field(max_length=500)  # relative to the data directory
    filename: str = Field(max_length=200)
    expires_at: dt.datetime = Field(sa_type=UTCDateTime)
    used_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class LineChannel(SQLModel, table=True):
    """An organisation's own LINE Official Account (a Messaging API channel). LINE's events for it arrive at
    /line/webhook/<name>, and its people's replies and pushes go out with its token. An organisation
    without one uses the deployment's channel (LINE_CHANNEL_SECRET)."""

    __tablename__ = "line_channel"
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", unique=True)
    name: str = Field(max_length=40, unique=True)
    secret: str = Field(max_length=300)  # sealed (storage/sealed.py): "sealed:" and a Fernet token
    access_token: str = Field(max_length=1000)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TelegramBot(SQLModel, table=True):
    """An organisation's own Telegram bot. Telegram's updates for it arrive at /telegram/webhook/<bot_id>, checked
    with its own secret token, and its people's replies and pushes go out with its token, in its own 30-a-second
    lane. An organisation without one uses the deployment's bot (TELEGRAM_BOT_TOKEN)."""

    __tablename__ = "telegram_bot"
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", unique=True)
    bot_id: str = Field(max_length=20, unique=True)  # Telegram's id of the bot: the token's first part
    username: str = Field(max_length=64)
    token: str = Field(max_length=1000)  # sealed (storage/sealed.py)
    webhook_secret: str = Field(max_length=1000)  # sealed; Telegram sends it back with each update
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class LineUsage(SQLModel, table=True):
    """LINE messages counted against a channel's monthly quota (pushes × recipients), and what LINE reports."""

    __tablename__ = "line_usage"
    month: str = Field(primary_key=True, max_length=7)  # 2026-04, Asia/Bangkok
    channel: str = Field(default="", primary_key=True, max_length=40)  # a LineChannel's name; "": the deployment's
    pushed: int = 0
    quota: int | None = None
    consumed: int | None = None  # as LINE reports it
    checked_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class SimMessage(SQLModel, table=True):
    """A message in the local web simulator's chats (the simulator is a channel like Telegram or LINE)."""

    __tablename__ = "sim_message"
    id: int | None = Field(default=None, primary_key=True)
    chat_id: str = Field(max_length=100, index=True)
    outgoing: bool = True  # from the bot
    text: str = Field(default="", max_length=20000)
    buttons: list[list[dict[str, str]]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    attachment: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    shown_at: str = Field(default="", max_length=40)  # the simulated time it appeared at
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SimState(SQLModel, table=True):
    """The simulator's own state, such as its clock (real channels always use real time)."""

    __tablename__ = "sim_state"
    key: str = Field(primary_key=True, max_length=50)
    value: str = Field(default="", max_length=200)


class JoinAttempt(SQLModel, table=True):
    """An invite code refused to a chat account: the record that limits guessing (per account and per
    organisation), kept across restarts and shared by every worker."""

    __tablename__ = "join_attempt"
    __table_args__ = (Index("ix_join_attempt_account", "platform", "external_id", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=20)
    external_id: str = Field(max_length=100)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class FormPass(SQLModel, table=True):
    """A key to the answer form: a one-time link the bot gave (spent when the page opens) or the session the
    page holds after that. Only the token's SHA-256 is stored: a copy of the database opens no form."""

    __tablename__ = "form_pass"
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    kind: str = Field(max_length=10)  # "link" or "session"
    token_hash: str = Field(max_length=64, unique=True)
    expires_at: dt.datetime = Field(sa_type=UTCDateTime)
    used_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class FormDraft(SQLModel, table=True):
    """What a person has typed into the form for one item of one unit, saved as they type: a closed app or a
    dropped connection loses nothing."""

    __tablename__ = "form_draft"
    __table_args__ = (UniqueConstraint("person_id", "round_id", "item_id", "unit_id", name="uq_form_draft"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    round_id: int = Field(foreign_key="round.id")
    item_id: int = Field(foreign_key="plan_item.id")
    unit_id: int = Field(foreign_key="unit.id")
    fields: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Publication(SQLModel, table=True):
    """An organisation's public page for the ITA's open-data indicators: its address and whether it is live."""

    __tablename__ = "publication"
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", unique=True)
    slug: str = Field(max_length=60, unique=True)
    live: bool = False
    # who answers for the open data (data.go.th's maintainer e-mail): an office's address, never a person's own
    contact_email: str = Field(default="", max_length=200, sa_column_kwargs={"server_default": ""})
    changed_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PublishedRound(SQLModel, table=True):
    """A round whose documents are public: frozen as they were when an admin published them (closing a round does
    not publish it), with the figures shown beside them."""

    __tablename__ = "published_round"
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    round_id: int = Field(foreign_key="round.id", unique=True)
    published_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    figures: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # why an admin published a round of an organisation with a sign-off chain before it was approved (shown)
    override: str = Field(default="", max_length=1000, sa_column_kwargs={"server_default": ""})


class PublicWording(SQLModel, table=True):
    """The admin's public wording of one typed field of a unit's answer ("" hides it): used in the published
    documents instead of what the unit typed, which stays as it is everywhere else."""

    __tablename__ = "public_wording"
    __table_args__ = (UniqueConstraint("round_id", "item_id", "unit_id", "field"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    round_id: int = Field(foreign_key="round.id")
    item_id: int = Field(foreign_key="plan_item.id")
    unit_id: int = Field(foreign_key="unit.id")
    field: str = Field(max_length=20)  # result | reason | months
    text: str = Field(default="", max_length=4000)
    set_by: str = Field(max_length=100)
    set_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PublicLink(SQLModel, table=True):
    """A link an admin marked public although its host is private storage (a shared Drive folder of photos)."""

    __tablename__ = "public_link"
    __table_args__ = (UniqueConstraint("org_id", "url"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    url: str = Field(max_length=2000)
    marked_by: str = Field(max_length=100)
    marked_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SignoffStep(SQLModel, table=True):
    """One office of an organisation's sign-off chain, in order: who gives an opinion, who approves."""

    __tablename__ = "signoff_step"
    __table_args__ = (UniqueConstraint("org_id", "position"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    position: int
    office: Office = Field(sa_type=_enum(Office))
    person_id: int = Field(foreign_key="person.id")


class Signoff(SQLModel, table=True):
    """A round (or, with no round, a fiscal year's plan) sent for sign-off: the chain as it was when sent, where it
    stands, and the SHA-256 of the document set the offices were sent (kept under the data directory's
    ``folder``). Sent again, it is a new row."""

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    fiscal_year_id: int = Field(foreign_key="fiscal_year.id")
    round_id: int | None = Field(default=None, foreign_key="round.id", index=True)
    state: SignoffState = Field(default=SignoffState.PENDING, sa_type=_enum(SignoffState))
    position: int = 0  # the office waited for (an index into ``steps``)
    steps: list[list[Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # [office, person]
    doc_hash: str = Field(default="", max_length=64)  # "" while the documents are being laid out
    folder: str = Field(default="", max_length=200)
    closed_on: dt.date  # when the round closed, or the plan was sent (Bangkok): the start of its time to approval
    sent_by: str = Field(max_length=100)
    sent_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    step_since: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    ended_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    reason: str = Field(default="", max_length=1000)  # why it was withdrawn or reopened


class SignoffDecision(SQLModel, table=True):
    """What one office decided, and as whom: the person, their office at that moment, the account they pressed
    from, the time, the document set's SHA-256 and the organisation's chain head — the approval's record."""

    __tablename__ = "signoff_decision"
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    signoff_id: int = Field(foreign_key="signoff.id", index=True)
    position: int
    office: Office = Field(sa_type=_enum(Office))
    decision: Decision = Field(sa_type=_enum(Decision))
    person_id: int | None = Field(default=None, foreign_key="person.id")
    name: str = Field(default="", max_length=200)
    title: str = Field(default="", max_length=300)
    platform: str = Field(default="", max_length=20)
    account: str = Field(default="", max_length=100)
    comment: str = Field(default="", max_length=1000)
    at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    doc_hash: str = Field(default="", max_length=64)
    chain_head: str = Field(default="", max_length=64)
