"""The domain's vocabulary: the kinds of organisation, plan headings and items, people's roles, what a unit
answers (and why an item could not be done), a round's states — and the order statuses are shown in.

Values are stored as they are (storage/models.py keeps them as text); their Thai and English labels are in
locales/labels.py. "รอรายงาน" (awaiting) is not a status a unit gives: it is the absence of an answer.
"""

from __future__ import annotations

import enum


class OrgKind(str, enum.Enum):
    CITY = "เทศบาลนคร"
    TOWN = "เทศบาลเมือง"
    SUBDISTRICT_MUNICIPALITY = "เทศบาลตำบล"
    SAO = "อบต."
    PAO = "อบจ."  # องค์การบริหารส่วนจังหวัด
    PATTAYA = "เมืองพัทยา"
    BANGKOK = "กรุงเทพมหานคร"
    OVERSIGHT = "หน่วยกำกับดูแล"  # a provincial office or a service provider overseeing several organisations


class SectionLevel(str, enum.Enum):
    STRATEGY = "strategy"
    DIMENSION = "dimension"
    MISSION = "mission"
    SUBITEM = "subitem"


class ItemKind(str, enum.Enum):
    PROJECT = "โครงการ"
    ACTIVITY = "กิจกรรม"
    MEASURE = "มาตรการ"
    GUIDELINE = "แนวปฏิบัติงาน"


class Role(str, enum.Enum):
    ADMIN = "admin"
    MANAGER = "manager"
    HEAD = "head"
    MEMBER = "member"
    OVERSEER = "overseer"  # in an oversight organisation: reads roll-ups of the organisations it oversees


class Status(str, enum.Enum):
    """What a unit answers. "รอรายงาน" (awaiting) is the absence of an answer, not a value."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANNOT = "cannot"


class CannotReason(str, enum.Enum):
    """e-PlanNACC's four reasons an item could not be done (OTHER comes with a text)."""

    NO_BUDGET = "no_budget"
    POLICY = "policy"
    STAFF = "staff"
    OTHER = "other"


class RoundState(str, enum.Enum):
    PLANNED = "planned"
    OPEN = "open"
    CLOSED = "closed"


AWAITING = "awaiting"  # no owning unit has answered yet (e-PlanNACC's รอรายงาน)
STATUS_ORDER = (
    AWAITING,
    Status.NOT_STARTED.value,
    Status.IN_PROGRESS.value,
    Status.COMPLETED.value,
    Status.CANNOT.value,
)
DEFAULT_CARRIED_OUT = (Status.COMPLETED,)  # what counts as "carried out" unless an organisation says otherwise


class LeaveKind(str, enum.Enum):
    """Why a person is away: ลาพักผ่อน, ลาป่วย, ไปราชการ, or another reason left unsaid."""

    VACATION = "vacation"
    SICK = "sick"
    OFFICIAL = "official"
    OTHER = "other"


class Office(str, enum.Enum):
    """An office in a sign-off chain: the ปลัด gives an opinion (เห็นชอบ), the นายก approves (อนุมัติ)."""

    PALAD = "palad"
    EXECUTIVE = "executive"


class SignoffState(str, enum.Enum):
    """Where a round's sign-off stands. PENDING waits for one office; RETURNED came back with a comment;
    APPROVED passed every office; WITHDRAWN the admin took back before the end; REOPENED an approval the admin
    opened again (with a reason) so that answers may change — the round must then be approved again."""

    PENDING = "pending"
    RETURNED = "returned"
    APPROVED = "approved"
    WITHDRAWN = "withdrawn"
    REOPENED = "reopened"


class Decision(str, enum.Enum):
    APPROVE = "approve"
    RETURN = "return"
    SKIP = "skip"  # the admin passed an office by, with a reason
