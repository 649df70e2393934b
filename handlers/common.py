"""/help, /lang, /cancel and the small pieces every conversation shares."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from base.events import Button
from domain.answer import MAX_TEXT as MAX_TEXT  # the answer's bound, for every free text the chat reads
from domain.budget import budget_basis, budgets_differ
from handlers.context import Ctx
from handlers.protocol import Language, RunCommand
from locales.errors import UserError
from locales.i18n import _, set_language
from locales.thai import clip as thai_clip
from locales.thai import format_amount, format_date, format_quantity
from storage.line_channels import own_channel
from storage.models import PlanItem, Round
from storage.telegram_bots import bot_of_org

TITLE_IN_BUTTON = 48


def clip(text: str, width: int = TITLE_IN_BUTTON) -> str:
    return thai_clip(text, width)


def baht(value: Decimal | None) -> str:
    return _("{amount} baht").format(amount=format_amount(value)) if value is not None else "-"


def budget_lines(item: PlanItem) -> list[str]:
    """The item's budget as one wording everywhere; both budgets when the plan's and the ordinance's differ,
    with the one money is compared with (domain.budget)."""
    if item.no_budget or budget_basis(item) is None:
        return [_("Budget: none")]
    if budgets_differ(item):
        return [
            _(
                "Budget in the plan: {plan}; under the ordinance: {ordinance} (disbursed money is compared with "
                "the ordinance budget)"
            ).format(plan=baht(item.budget_plan), ordinance=baht(item.budget_ordinance))
        ]
    return [_("Budget: {amount}").format(amount=baht(budget_basis(item)))]


def item_card(item: PlanItem, unit_name: str = "", owners: list[str] | None = None) -> str:
    """What a person needs to see of an item to answer for it; ``owners``: every unit that answers for it."""
    lines = [f"{item.code} {item.title}"]
    if item.kpi:
        lines.append(_("Indicator: {kpi}").format(kpi=item.kpi))
    if item.target_qty is not None:
        lines.append(_("Target: {qty} {unit}").format(qty=format_quantity(item.target_qty), unit=item.target_unit))
    lines += budget_lines(item)
    if unit_name:
        lines.append(_("Unit: {unit}").format(unit=unit_name))
    if owners and len(owners) > 1:
        lines.append(
            _("Shared by {n} units ({names}): answer for {unit}'s own part only.").format(
                n=len(owners), names=thai_clip(", ".join(owners), 200), unit=unit_name or _("your unit")
            )
        )
    return "\n".join(lines)


def round_state_label(rnd: Round) -> str:
    return {"planned": _("planned"), "open": _("open"), "closed": _("closed")}[rnd.state.value]


def round_name(rnd: Round) -> str:
    return _("the {n}-month round").format(n=rnd.months)


def due_text(rnd: Round) -> str:
    return format_date(rnd.due_on, thai_digits=False)


def deadline_text(rnd: Round, today: dt.date) -> str:
    """The due date as it stands on ``today`` — ahead, today, or so many days past — as the reminders say it: a list
    that says "answer by" a date 240 days gone tells the unit nothing is wrong."""
    if today < rnd.due_on:
        return _("answer by {due}").format(due=due_text(rnd))
    if today == rnd.due_on:
        return _("today, {due}, is the last day").format(due=due_text(rnd))
    return _("{n} day(s) past the due date, {due}").format(n=(today - rnd.due_on).days, due=due_text(rnd))


def welcome_text(ctx: Ctx) -> str:
    """To someone not yet registered: LINE has no invite links (no start parameter), so there they type the code."""
    if ctx.event.platform == "line":
        return _(
            "Welcome to Tidtam. Please type /start followed by the invite code from your administrator, "
            "for example /start AB12CD34."
        )
    return _(
        "Welcome to Tidtam. Please open the invite link from your administrator, "
        "or type /start followed by your invite code."
    )


async def on_its_channel(ctx: Ctx, org_id: int) -> None:
    """An account joins an organisation only on the organisation's own channel or bot, where it has one: a LINE
    user id belongs to the channel's provider, and a Telegram bot may message only those who opened it, so the
    organisation's pushes could not reach an account that joined elsewhere."""
    if ctx.event.org_id is not None and ctx.event.org_id != org_id:
        raise UserError(_("This code is for another organisation. Please send it in that organisation's own chat."))
    if ctx.event.org_id is not None:
        return
    if await own_channel(ctx.session, ctx.event.platform, org_id) is not None:
        raise UserError(
            _("Your organisation has its own LINE account. Please add it as a friend and send the code there.")
        )
    if ctx.event.platform == "telegram" and (bot := await bot_of_org(ctx.session, org_id)) is not None:
        # a Telegram bot may message only those who opened it: joining here, the organisation's bot could not
        raise UserError(
            _(
                "Your organisation has its own Telegram bot. Please open https://t.me/{name} and send the code there."
            ).format(name=bot.username)
        )


async def lang(ctx: Ctx, args: str = "") -> None:
    """Switches this person's language."""
    choice = args.strip().lower()
    if choice not in ("th", "en"):
        ctx.say(
            _("Choose a language:"),
            [[Button("ภาษาไทย", Language("th").pack()), Button("English", Language("en").pack())]],
        )
        return
    await set_person_language(ctx, choice)


async def set_person_language(ctx: Ctx, choice: str) -> None:
    ctx.me.lang = choice
    ctx.session.add(ctx.me)
    set_language(choice)
    ctx.say(_("I will speak English from now on.") if choice == "en" else _("I will speak Thai from now on."))


async def pressed_lang(ctx: Ctx, press: Language) -> None:
    await set_person_language(ctx, press.lang if press.lang in ("th", "en") else "th")


async def cancel(ctx: Ctx, args: str = "") -> None:
    ctx.finish()
    ctx.say(_("Stopped. Nothing more was saved. Type /help to see what I can do."))


FORM_PATH = "/form/"


def form_button() -> Button:
    """Opens the answer form inside the chat app where it can (Mini App, LIFF); elsewhere asks for a link."""
    return Button(_("Answer every item on one page"), RunCommand("form").pack(), app=FORM_PATH)
