"""The chat's protocol in one module: what a button carries, and the steps a conversation can be at.

A button's data is a small typed record packed as ``prefix:field:field`` (Telegram allows 64 bytes, LINE
300): ``Pick(item=12, unit=3).pack() == "pk:12:3"``, and ``Pick.unpack("12:3")`` gives the record back or
raises ``BadPress`` — so no handler splits strings or trusts their shape. The steps are the values stored in
``conversation.step``; a restart resumes at the same one.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, fields
from typing import ClassVar, TypeVar

P = TypeVar("P", bound="Press")


PACKED_MAX = 64  # bytes of callback_data Telegram accepts


class BadPress(ValueError):
    """Button data of the wrong shape: forged, truncated, or from another version."""


_NAMES: dict[type, tuple[str, ...]] = {}


def _names(cls: type) -> tuple[str, ...]:
    """A press's field names, once per class: dataclasses.fields() walks the class each call, and a nation's wave
    packs 125,000 buttons."""
    if cls not in _NAMES:
        _NAMES[cls] = tuple(f.name for f in fields(cls))
    return _NAMES[cls]


@dataclass(frozen=True)
class Press:
    prefix: ClassVar[str] = ""

    def pack(self) -> str:
        """The button's data; longer than Telegram's 64 bytes is a mistake in the code, refused here rather than
        by Telegram at send time (where the whole message would fail)."""
        packed = ":".join([self.prefix, *(str(getattr(self, name)) for name in _names(type(self)))])
        if len(packed.encode()) > PACKED_MAX:
            raise ValueError(f"button data over {PACKED_MAX} bytes: {packed[:30]}…")
        return packed

    @classmethod
    def unpack(cls: type[P], value: str) -> P:
        parts = value.split(":") if value else []
        names = fields(cls)
        if len(parts) != len(names):
            raise BadPress(value)
        values: dict[str, int | str] = {}
        for field, part in zip(names, parts, strict=False):
            if field.type in ("int", int):
                if not part.isdigit() or len(part) > 12:
                    raise BadPress(value)
                values[field.name] = int(part)
            else:
                values[field.name] = part
        return cls(**values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class ListPage(Press):
    prefix: ClassVar[str] = "ls"
    mode: str  # "a": awaiting only; "s": all the unit's items
    page: int


@dataclass(frozen=True)
class Pick(Press):
    """An item, for one of the person's units."""

    prefix: ClassVar[str] = "pk"
    item: int
    unit: int


@dataclass(frozen=True)
class SetStatus(Press):
    prefix: ClassVar[str] = "st"
    tk: str  # the draft's token: a stale or forged button is recognised
    code: str  # n, i, c, x — or "=": no change since the 6-month round


@dataclass(frozen=True)
class Reason(Press):
    prefix: ClassVar[str] = "rc"
    tk: str
    code: str  # e-PlanNACC's reason


@dataclass(frozen=True)
class MoneyConfirm(Press):
    prefix: ClassVar[str] = "mc"
    tk: str
    answer: str  # y or n


@dataclass(frozen=True)
class EvidenceDone(Press):
    prefix: ClassVar[str] = "ev"
    tk: str


@dataclass(frozen=True)
class Confirm(Press):
    prefix: ClassVar[str] = "ok"
    tk: str


@dataclass(frozen=True)
class Edit(Press):
    prefix: ClassVar[str] = "ed"
    tk: str


@dataclass(frozen=True)
class Cancel(Press):
    prefix: ClassVar[str] = "cx"
    tk: str


@dataclass(frozen=True)
class Language(Press):
    prefix: ClassVar[str] = "lang"
    lang: str


@dataclass(frozen=True)
class RoundAction(Press):
    prefix: ClassVar[str] = "rnd"
    action: str  # open or close
    round_id: int


@dataclass(frozen=True)
class RoundAnswer(Press):
    """Yes or no to opening or closing a round, after its consequences were said."""

    prefix: ClassVar[str] = "rnc"
    tk: str
    answer: str  # y or n


@dataclass(frozen=True)
class ImportAnswer(Press):
    prefix: ClassVar[str] = "imp"
    tk: str
    answer: str  # y or n


@dataclass(frozen=True)
class PublishAnswer(Press):
    """Yes or no to the preview of a round's public documents."""

    prefix: ClassVar[str] = "pub"
    tk: str
    answer: str  # y or n


@dataclass(frozen=True)
class NarrativeField(Press):
    prefix: ClassVar[str] = "nar"
    field: str


@dataclass(frozen=True)
class LeaveChoice(Press):
    """Today, to Friday, or cancel, after /leave."""

    prefix: ClassVar[str] = "lv"
    tk: str
    choice: str  # t: today; f: until Friday; x: cancel my leave


@dataclass(frozen=True)
class SignoffAnswer(Press):
    """An office's decision on a round sent for sign-off: agree/approve, or send back (a comment follows)."""

    prefix: ClassVar[str] = "so"
    signoff: int
    position: int  # the office asked: a press from an earlier office's message is recognised
    answer: str  # a: agree/approve; r: send back


@dataclass(frozen=True)
class RunCommand(Press):
    """A button that runs a command as if it were typed (a reminder's "answer now")."""

    prefix: ClassVar[str] = "cmd"
    name: str


class Step(enum.StrEnum):
    """Where a person is in a conversation (``conversation.step``)."""

    NAME = "onboard.name"
    REPORT_STATUS = "report.status"
    REPORT_DONE = "report.done"
    REPORT_MONEY = "report.money"
    REPORT_MONEY_CONFIRM = "report.money_confirm"
    REPORT_QTY = "report.qty"
    REPORT_EVIDENCE = "report.evidence"
    REPORT_REASON_CATEGORY = "report.reason_category"
    REPORT_REASON = "report.reason"
    REPORT_CONFIRM = "report.confirm"
    IMPORT = "admin.import"
    IMPORT_CONFIRM = "admin.import_confirm"
    NARRATIVE = "admin.narrative"
    PUBLISH_CONFIRM = "admin.publish_confirm"
    ROUND_CONFIRM = "admin.round_confirm"
    LEAVE = "leave.dates"
    SIGNOFF_COMMENT = "signoff.comment"

    @staticmethod
    def in_report(step: str) -> bool:
        """The person is in the middle of an answer (a draft of the check-in)."""
        return step.startswith("report.")
