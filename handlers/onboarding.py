"""Joining by invite code (/start CODE), giving the name for reports, binding a unit's group chat."""

from __future__ import annotations

from base.values import clean_name
from handlers.common import on_its_channel, welcome_text
from handlers.context import Ctx
from handlers.protocol import Step
from locales.errors import UserError
from locales.i18n import _, set_language
from storage.models import GroupChat, Organisation, Role, Unit
from storage.people import conversation_of, find_invite, group_chat, join, roles_of
from storage.repo import audit, replan


def role_label(role: Role) -> str:
    return {
        Role.ADMIN: _("administrator"),
        Role.MANAGER: _("manager"),
        Role.HEAD: _("unit head"),
        Role.MEMBER: _("unit member"),
        Role.OVERSEER: _("overseer"),
    }[role]


async def start(ctx: Ctx, args: str = "") -> None:
    """Binds the account to the invite's unit and role, then asks for the name to show in reports."""
    code = args.strip()
    if ctx.event.chat_type == "group":
        ctx.say(_("Please open a private chat with me to join."))
        return
    if not code:
        if ctx.person is None:
            ctx.say(welcome_text(ctx))
        else:
            ctx.say(_("Welcome back, {name}.").format(name=ctx.me.display_name) + "\n\n" + "\n".join(_help_lines(ctx)))
        return
    invite = await find_invite(ctx.session, code, ctx.event.platform, ctx.event.user_id)
    await on_its_channel(ctx, invite.org_id)
    person, account, is_new = await join(ctx.session, invite, ctx.event.platform, ctx.event.user_id, ctx.account)
    ctx.person, ctx.account = person, account
    ctx.org = await ctx.session.get(Organisation, person.org_id)
    ctx.roles = await roles_of(ctx.session, person)
    ctx.conversation = await conversation_of(ctx.session, account)
    set_language(person.lang)
    unit = await ctx.session.get(Unit, invite.unit_id) if invite.unit_id else None
    where = (
        _("{role} of {unit}").format(role=role_label(invite.role), unit=unit.name) if unit else role_label(invite.role)
    )
    if is_new or not person.display_name:
        ctx.goto(Step.NAME)
        ctx.say(
            _(
                "Welcome to Tidtam, the follow-up of {org}'s anti-corruption action plan. You are joining as {where}."
            ).format(org=ctx.organisation.name, where=where)
            + "\n\n"
            + _("Please type your name as it should appear in reports (for example สมศรี ใจดี).")
        )
    else:
        ctx.say(_("Added: you are now also {where}.").format(where=where))


async def got_name(ctx: Ctx) -> None:
    """Stores the display name and shows what the person can do."""
    name = clean_name(ctx.event.text)
    if not 2 <= len(name) <= 100 or name.startswith("/"):
        ctx.say(_("Please type your name, 2 to 100 characters."))
        return
    old = ctx.me.display_name
    ctx.me.display_name = name
    ctx.session.add(ctx.person)
    await audit(
        ctx.session,
        ctx.org_id,
        ctx.actor,
        "update",
        "person",
        ctx.me.id,
        old={"display_name": old},
        new={"display_name": name},
        person_id=ctx.me.id,
    )
    ctx.finish()
    ctx.say(_("Thank you, {name}. You are registered.").format(name=name) + "\n\n" + "\n".join(_help_lines(ctx)))


async def bindgroup(ctx: Ctx, args: str = "") -> None:
    """An admin binds this group chat to the unit of an invite code: reminders then go here."""
    if ctx.event.chat_type != "group":
        ctx.say(_("Send /bindgroup CODE inside the unit's group chat."))
        return
    if not args.strip():
        raise UserError(_("Please add the unit's invite code: /bindgroup CODE"))
    invite = await find_invite(ctx.session, args, ctx.event.platform, ctx.event.user_id)
    if invite.org_id != ctx.org_id or invite.unit_id is None:
        raise UserError(_("This code is not an invite to one of your organisation's units"))
    unit = await ctx.session.get(Unit, invite.unit_id)
    assert unit is not None and unit.id is not None  # a unit is never deleted, only made inactive
    group = await group_chat(ctx.session, ctx.event.platform, ctx.event.chat_id)
    if group is None:
        group = GroupChat(org_id=ctx.org_id, unit_id=unit.id, platform=ctx.event.platform, chat_id=ctx.event.chat_id)
    elif group.org_id != ctx.org_id:
        raise UserError(_("This group is already bound to another organisation"))
    group.unit_id = unit.id
    ctx.session.add(group)
    await replan(ctx.session, ctx.org_id)
    await ctx.session.flush()
    await audit(
        ctx.session,
        ctx.org_id,
        ctx.actor,
        "bind",
        "group_chat",
        group.id,
        new={"unit": unit.name, "chat": ctx.event.chat_id},
        person_id=ctx.me.id,
    )
    ctx.say(_("This group now receives the reminders of {unit}.").format(unit=unit.name))


def _help_lines(ctx: Ctx) -> list[str]:
    from handlers.commands import help_lines  # the table of commands includes this module's

    return help_lines(ctx)
