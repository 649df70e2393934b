"""What every step function gets: the event, who sent it, their roles, their conversation, the reply."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from base.events import Button, Incoming, Response
from base.settings import Settings
from base.values import utcnow
from handlers.protocol import Step
from storage.answers import Answers
from storage.db import AsyncSession
from storage.models import ChannelAccount, Conversation, Organisation, Person, id_of
from storage.people import Roles
from storage.repo import audit
from storage.snapshot import PlanSnapshot, snapshot_of


@dataclass
class Ctx:
    session: AsyncSession
    event: Incoming
    settings: Settings
    account: ChannelAccount | None = None
    person: Person | None = None
    org: Organisation | None = None
    roles: Roles = field(default_factory=Roles)
    conversation: Conversation | None = None
    response: Response = field(default_factory=Response)
    refusals: list[str] = field(default_factory=list)
    after: list[Callable[[Any], Awaitable[None]]] = field(default_factory=list)
    detached: list[Callable[[Any], Awaitable[None]]] = field(default_factory=list)
    snapshot: PlanSnapshot | None = None
    has_drafts: bool = True  # the person has typed into the answer form (False: its drafts need no read)

    @property
    def org_id(self) -> int:
        assert self.org is not None and self.org.id is not None
        return self.org.id

    @property
    def organisation(self) -> Organisation:
        """The organisation of the person writing; every step but joining and the strangers' commands has one."""
        assert self.org is not None
        return self.org

    @property
    def me(self) -> Person:
        """The person writing; every step but joining and the strangers' commands has one."""
        assert self.person is not None
        return self.person

    @property
    def actor(self) -> str:
        return f"{self.event.platform}:{self.event.user_id}"

    @property
    def step(self) -> str:
        return self.conversation.step if self.conversation else ""

    @property
    def data(self) -> dict[str, Any]:
        return self.conversation.data if self.conversation else {}

    async def answers(self) -> Answers:
        """The organisation's answers, with its rounds, units and plan read from the snapshot kept in memory
        (storage/snapshot.py): for steps that change none of those."""
        if self.snapshot is None:
            assert self.org is not None
            self.snapshot = await snapshot_of(self.session, self.org)
        return Answers(self.session, self.org_id, self.snapshot)

    def goto(self, step: Step | Literal[""], **data: Any) -> None:
        """Move the conversation to ``step`` ("": none, the conversation is over), replacing its stored answers
        with ``data``."""
        assert self.conversation is not None
        self.conversation.step = step
        self.conversation.data = data
        self.conversation.updated_at = utcnow()
        self.session.add(self.conversation)

    def move(self, step: Step, **data: Any) -> None:
        """Go on to ``step`` keeping the answers so far (plus ``data``)."""
        self.remember(**data)
        assert self.conversation is not None
        self.conversation.step = step

    def remember(self, **data: Any) -> None:
        """Add to the stored answers of the current step (a new dict, so the JSON column notices)."""
        assert self.conversation is not None
        self.conversation.data = {**self.conversation.data, **data}
        self.conversation.updated_at = utcnow()
        self.session.add(self.conversation)

    def finish(self) -> None:
        self.goto("")

    def later(self, job: Callable[[Any], Awaitable[None]], *, detached: bool = False) -> None:
        """Run ``job(db)`` once this step's transaction has committed, before the reply goes out: for slow
        work (downloading and reading a file) that must not hold the transaction. The job opens its own
        sessions (``resume`` rebinds this context to one); its UserError is said to the person.

        ``detached``: the platform may get its 200 first and the job run after it, with a sign of work in
        the chat — only for work whose loss costs a retry and nothing else (reading, laying out documents,
        an idempotent write), since a process that stops in between leaves it undone and unsaid."""
        (self.detached if detached else self.after).append(job)

    def say(self, text: str, buttons: list[list[Button]] | None = None, *, edit: bool = False, style: str = "") -> None:
        self.response.say(text, buttons, edit=edit, style=style)

    async def log_refusal(self, what: str) -> None:
        """Note a refused attempt; written to the audit log even when the step itself is rolled back."""
        self.refusals.append(what)

    async def write_refusals(self) -> None:
        if self.org is not None:
            person_id = self.person.id if self.person else None
            await write_refusals(self.session, id_of(self.org), self.actor, person_id, self.refusals)


async def write_refusals(
    session: AsyncSession, org_id: int, actor: str, person_id: int | None, refusals: list[str]
) -> None:
    for what in refusals:
        await audit(session, org_id, actor, "refused", what, None, person_id=person_id)


async def resume(ctx: Ctx, session: AsyncSession, steps: tuple[str, ...]) -> bool:
    """Rebind ``ctx`` to a new session with its conversation read again; False when the conversation is no
    longer at one of ``steps`` (it moved on meanwhile)."""
    conversation = await session.get(Conversation, ctx.conversation.id) if ctx.conversation else None
    if conversation is None or conversation.step not in steps:
        return False
    ctx.session, ctx.conversation = session, conversation
    return True


def token() -> str:
    """A short random tag carried by a draft's buttons, so a stale or forged button is recognised."""
    return secrets.token_urlsafe(4)
