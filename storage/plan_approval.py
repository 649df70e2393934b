"""The executive's approval of a fiscal year's plan: recorded by the admin, audited, said on the public plan page.

The ITA's O23 asks for a plan the executive approved; the approval itself happens on paper (or, later, in a
sign-off chain), so Tidtam records its date and who approved, as the admin types them.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel.ext.asyncio.session import AsyncSession

from base.values import bangkok_today, without_control_characters
from locales.errors import UserError
from locales.i18n import _
from storage.models import FiscalYear
from storage.repo import audit

APPROVER_MAX = 200  # the column's width: a name and a position, e.g. "นายสมชาย ใจดี นายกเทศมนตรีตำบลทดสอบ"


def approver_name(text: str) -> str:
    """The approver as typed, on one line; a Thai refusal when empty or longer than the column holds."""
    name = " ".join(without_control_characters(text).split())
    if not name:
        raise UserError(_('Say who approved the plan, e.g. --by "นายสมชาย ใจดี นายกเทศมนตรี"'))
    if len(name) > APPROVER_MAX:
        raise UserError(
            _("The name is too long ({n} characters); the limit is {limit}.").format(n=len(name), limit=APPROVER_MAX)
        )
    return name


def check_approval_date(on: dt.date, fy: FiscalYear, today: dt.date | None = None) -> dt.date:
    """Not in the future, and not before the year before the fiscal year starts (a plan is approved ahead)."""
    today = today or bangkok_today()
    earliest = dt.date(fy.year_be - 543 - 2, 10, 1)
    if on > today:
        raise UserError(_("The approval date is in the future; give the date the executive approved the plan."))
    if on < earliest:
        raise UserError(
            _("The approval date is long before fiscal year {year} began; check the date or --fiscal-year.").format(
                year=fy.year_be
            )
        )
    return on


async def record_plan_approval(
    session: AsyncSession, fy: FiscalYear, on: dt.date | None, by: str, actor: str
) -> FiscalYear:
    """Set (or, with ``on`` None, clear) the approval of ``fy``'s plan; the change is audited with what it replaced."""
    old = {"on": fy.plan_approved_on.isoformat() if fy.plan_approved_on else None, "by": fy.plan_approved_by}
    if on is None:
        fy.plan_approved_on, fy.plan_approved_by = None, ""
    else:
        fy.plan_approved_on, fy.plan_approved_by = check_approval_date(on, fy), approver_name(by)
    session.add(fy)
    await audit(
        session,
        fy.org_id,
        actor,
        "update",
        "plan_approval",
        fy.id,
        old=old,
        new={"on": on.isoformat() if on else None, "by": fy.plan_approved_by},
    )
    return fy
