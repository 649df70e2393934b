"""One person on two platforms: /link makes a one-time code, /link CODE on the other platform joins the
accounts; /notify picks where reminders go."""

from __future__ import annotations

import datetime as dt

from base.values import utcnow
from handlers.common import on_its_channel
from handlers.context import Ctx
from locales.errors import UserError
from locales.i18n import _
from storage.models import ChannelAccount, LinkCode, Organisation, Person, id_of
from storage.people import (
    InviteRefused,
    conversation_of,
    drop_link_codes,
    link_code,
    new_code,
    refuse_guessing,
    roles_of,
)
from storage.repo import audit, replan

PLATFORMS = ("telegram", "line")


async def link(ctx: Ctx, args: str = "") -> None:
    """Without a code: make one for this person. With a code: add this chat account to its person."""
    code = args.strip().upper()
    if ctx.event.chat_type == "group":
        ctx.say(_("Please use this command in a private chat with me."))
        return
    if not code:
        if ctx.person is None:
            ctx.say(_("Type /link followed by the code you got on your other chat app."))
            return
        await drop_link_codes(ctx.session, id_of(ctx.me))  # one live code a person: /link again replaces it
        row = LinkCode(
            org_id=ctx.org_id, person_id=id_of(ctx.me), code=new_code(), expires_at=utcnow() + dt.timedelta(minutes=30)
        )
        ctx.session.add(row)
        ctx.say(
            _(
                "On your other chat app (Telegram or LINE), send this to the Tidtam bot within 30 minutes:\n"
                "/link {code}"
            ).format(code=row.code)
        )
        return
    await refuse_guessing(ctx.session, ctx.event.platform, ctx.event.user_id)  # a hit would take over the roles
    found = await link_code(ctx.session, code)
    if found is None or found.used or found.expires_at < utcnow():
        raise InviteRefused(_("This link code is not valid or has expired. Make a new one with /link."))
    if ctx.account is not None:
        if ctx.account.person_id == found.person_id:
            ctx.say(_("These accounts are already linked."))
            return
        raise UserError(_("This chat account already belongs to someone in Tidtam."))
    await on_its_channel(ctx, found.org_id)
    person = await ctx.session.get(Person, found.person_id)
    if person is None:  # the person was removed meanwhile (their codes go with them; this is belt and braces)
        raise InviteRefused(_("This link code is not valid or has expired. Make a new one with /link."))
    account = ChannelAccount(
        org_id=person.org_id, person_id=id_of(person), platform=ctx.event.platform, external_id=ctx.event.user_id
    )
    ctx.session.add(account)
    await replan(ctx.session, person.org_id)
    found.used = True
    ctx.session.add(found)
    await ctx.session.flush()
    await audit(
        ctx.session,
        person.org_id,
        ctx.actor,
        "link",
        "channel_account",
        account.id,
        new={"platform": ctx.event.platform},
        person_id=person.id,
    )
    ctx.person, ctx.account = person, account
    ctx.org = await ctx.session.get(Organisation, person.org_id)
    ctx.roles = await roles_of(ctx.session, person)
    ctx.conversation = await conversation_of(ctx.session, account)
    ctx.say(
        _("Linked: {name} can now use Tidtam here too. Choose where reminders go with /notify.").format(
            name=person.display_name
        )
    )


async def notify(ctx: Ctx, args: str = "") -> None:
    """/notify telegram|line|all: where reminders and digests reach this person."""
    choice = args.strip().lower()
    if choice not in (*PLATFORMS, "all"):
        ctx.say(_("Usage: /notify telegram, /notify line or /notify all (every linked app)"))
        return
    ctx.me.notify_platform = "" if choice == "all" else choice
    ctx.session.add(ctx.person)
    await replan(ctx.session, ctx.org_id)
    names = {"telegram": "Telegram", "line": "LINE"}
    ctx.say(
        _("Reminders will reach you on: {where}.").format(
            where=_("every linked app") if choice == "all" else names[choice]
        )
    )
