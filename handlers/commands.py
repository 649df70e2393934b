"""Every command in one table: its name, what runs it, who may run it, whether it works in a group, and its
``/help`` line — so who may run a command and what ``/help`` says about it can never disagree."""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from handlers import (
    accounts,
    admin,
    checkin,
    common,
    days_off,
    digest,
    form,
    leave,
    manager,
    onboarding,
    overseer,
    publish,
    signoff,
)
from handlers.context import Ctx
from locales.i18n import N_, _

Run = Callable[[Ctx, str], Awaitable[None]]


class Who(enum.StrEnum):
    """Who may run a command, or is shown its /help line."""

    EVERYONE = "everyone"
    UNITS = "units"
    READERS = "readers"
    ADMINS = "admins"
    OVERSEERS_TOO = "overseers_too"  # readers, and overseers (who read the roll-up of the organisations they oversee)
    UNITS_OR_READERS = "units_or_readers"
    HEADS_TOO = "heads_too"  # like OVERSEERS_TOO, and unit heads (who read their own units' progress)
    OVERSEERS_ONLY = "overseers_only"  # overseers who are not readers (for their own /help line)
    HEADS_ONLY = "heads_only"  # unit heads who are not readers (for their own /help line)
    OFFICE_HOLDERS = "office_holders"  # admins, managers and unit heads: those who name who acts for them
    OVERSEERS = "overseers"  # the staff of an oversight organisation


def allowed(ctx: Ctx, who: Who) -> bool:
    r = ctx.roles
    return {
        Who.EVERYONE: True,
        Who.UNITS: bool(r.units),
        Who.READERS: r.reads_everything,
        Who.ADMINS: r.admin,
        Who.OVERSEERS_TOO: r.reads_everything or r.overseer,
        Who.HEADS_TOO: r.reads_everything or r.overseer or any(r.heads(u) for u in r.units),
        Who.UNITS_OR_READERS: bool(r.units) or r.reads_everything,
        Who.OVERSEERS_ONLY: r.overseer and not r.reads_everything,
        Who.HEADS_ONLY: any(r.heads(u) for u in r.units) and not r.reads_everything,
        Who.OFFICE_HOLDERS: r.reads_everything or any(r.heads(u) for u in r.units),
        Who.OVERSEERS: r.overseer,
    }[who]


@dataclass(frozen=True)
class Command:
    name: str
    run: Run
    who: Who
    in_groups: bool = False
    keeps_draft: bool = False  # run in the middle of an answer without abandoning it (it only reads)
    strangers_ok: bool = False  # may be run by someone not registered yet (joining, linking, asking for help)
    help: tuple[tuple[Who, str], ...] = ()  # (shown to whom, its /help line), in /help's order

    def help_lines(self, ctx: Ctx) -> list[str]:
        return [_(line) for shown_to, line in self.help if allowed(ctx, shown_to)]


async def help_(ctx: Ctx, args: str = "") -> None:
    """Lists only what the asker's role may do."""
    if ctx.person is None:
        ctx.say(common.welcome_text(ctx))
        return
    ctx.say("\n".join(help_lines(ctx)))


# the order of this table is the order of /help
TABLE: tuple[Command, ...] = (
    Command(
        "report",
        checkin.report,
        Who.UNITS,
        help=((Who.UNITS, N_("/report — answer for your unit's items still awaiting an answer")),),
    ),
    Command(
        "form",
        form.form_link,
        Who.UNITS,
        keeps_draft=True,  # the chat's half-done answer is the form's draft too
        help=((Who.UNITS, N_("/form — answer all your unit's items on one page")),),
    ),
    Command(
        "status",
        checkin.status,
        Who.UNITS,
        keeps_draft=True,
        help=((Who.UNITS, N_("/status — your unit's items and their latest status; change an answer")),),
    ),
    Command(
        "summary",
        manager.summary,
        Who.HEADS_TOO,
        keeps_draft=True,
        help=(
            (Who.READERS, N_("/summary — where the round stands, by status and dimension")),
            (Who.HEADS_ONLY, N_("/summary — where your unit stands in the round")),
            (Who.OVERSEERS_ONLY, N_("/summary [6|12] — the roll-up of the organisations you oversee")),
        ),
    ),
    Command(
        "oversee",
        overseer.oversee_link,
        Who.OVERSEERS,
        help=(
            (Who.OVERSEERS, N_("/oversee — every organisation beneath your office on one page: who is late, sorted")),
        ),
    ),
    Command(
        "overdue",
        manager.overdue,
        Who.READERS,
        keeps_draft=True,
        help=((Who.READERS, N_("/overdue — units that have not answered past the due date")),),
    ),
    Command(
        "digest",
        digest.digest,
        Who.READERS,
        help=((Who.READERS, N_("/digest — the weekly digest now, with its chart")),),
    ),
    Command(
        "export",
        admin.export,
        Who.READERS,
        help=((Who.READERS, N_("/export [6|12] — the round's documents (XLSX, DOCX, PDF)")),),
    ),
    Command(
        "item",
        manager.item,
        Who.EVERYONE,
        keeps_draft=True,
        help=((Who.UNITS_OR_READERS, N_("/item CODE — one item's history")),),
    ),
    Command(
        "invite",
        admin.invite,
        Who.ADMINS,
        help=((Who.ADMINS, N_("/invite UNIT member|head — an invite code (also: /invite manager, /invite admin)")),),
    ),
    Command(
        "units",
        admin.units,
        Who.ADMINS,
        help=((Who.ADMINS, N_("/units, /members — the organisation's units and people")),),
    ),
    Command("members", admin.members, Who.ADMINS),  # on the line of /units
    Command("round", admin.round_, Who.ADMINS, help=((Who.ADMINS, N_("/round — show, open or close the round")),)),
    Command(
        "remind",
        admin.remind,
        Who.ADMINS,
        help=((Who.ADMINS, N_("/remind — remind now the units that have not answered")),),
    ),
    Command(
        "import",
        admin.import_,
        Who.ADMINS,
        help=((Who.ADMINS, N_("/import — send the plan file (.xlsx or .csv) and import it")),),
    ),
    Command(
        "narrative",
        admin.narrative,
        Who.ADMINS,
        help=((Who.ADMINS, N_("/narrative — the round's supporting factors, problems and suggestions")),),
    ),
    Command(
        "publish",
        publish.publish,
        Who.ADMINS,
        help=((Who.ADMINS, N_("/publish — the public page for ITA: on, off, its addresses; round 6|12; link URL")),),
    ),
    Command(
        "signoff",
        signoff.signoff,
        Who.READERS,  # the offices of a chain are the executives; their buttons are checked by the handler
        help=(
            (Who.ADMINS, N_("/signoff 6|12|plan — send a closed round, or the plan, to the ปลัด and the นายก")),
            (Who.ADMINS, N_("/signoff chain ปลัด NAME; นายก NAME — who signs off, in order")),
            (Who.READERS, N_("/signoff — a round waiting for your sign-off (เห็นชอบ / อนุมัติ)")),
        ),
    ),
    Command(
        "bindgroup",
        onboarding.bindgroup,
        Who.ADMINS,
        in_groups=True,
        help=((Who.ADMINS, N_("/bindgroup CODE — in a group: send the unit's reminders to this group")),),
    ),
    Command(
        "link",
        accounts.link,
        Who.EVERYONE,
        strangers_ok=True,
        help=((Who.EVERYONE, N_("/link — use Tidtam on both Telegram and LINE")),),
    ),
    Command(
        "notify",
        accounts.notify,
        Who.EVERYONE,
        help=((Who.EVERYONE, N_("/notify telegram|line|all — where reminders reach you")),),
    ),
    Command(
        "leave",
        leave.leave,
        Who.EVERYONE,
        help=(
            (Who.EVERYONE, N_("/leave — you are away (today, to Friday, 10–20 ธ.ค.): no reminders until you are back")),
            (
                Who.OFFICE_HOLDERS,
                N_("/leave NAME 10–20 ธ.ค. — record a member's leave; /leave NAME ยกเลิก to cancel it"),
            ),
        ),
    ),
    Command(
        "dayoff",
        days_off.dayoff,
        Who.ADMINS,
        help=((Who.ADMINS, N_("/dayoff 5 ม.ค. NAME — a day off of the organisation's own; reminders skip it")),),
    ),
    Command(
        "acting",
        leave.acting,
        Who.OFFICE_HOLDERS,
        help=(
            (Who.OFFICE_HOLDERS, N_("/acting กองคลัง NAME ถึง 20 ธ.ค. — who acts for a head or the ปลัด (รักษาราชการแทน)")),
        ),
    ),
    Command(
        "lang",
        common.lang,
        Who.EVERYONE,
        keeps_draft=True,
        help=((Who.EVERYONE, N_("/lang th|en — ภาษาไทย / English")),),
    ),
    Command("cancel", common.cancel, Who.EVERYONE, help=((Who.EVERYONE, N_("/cancel — stop what we are doing")),)),
    Command("start", onboarding.start, Who.EVERYONE, in_groups=True, strangers_ok=True),
    Command("help", help_, Who.EVERYONE, in_groups=True, keeps_draft=True, strangers_ok=True),
)
COMMANDS = {c.name: c for c in TABLE}


def help_lines(ctx: Ctx) -> list[str]:
    """What this person may run, one line each, in the table's order."""
    return [_("What I can do for you:")] + [line for c in TABLE for line in c.help_lines(ctx)]
