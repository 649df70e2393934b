"""/publish for admins: the organisation's public page for ITA — its state and the addresses to enter in the
ITA's open-data form; ``/publish on SLUG`` and ``/publish off``."""

from __future__ import annotations

from handlers.context import Ctx
from locales.errors import UserError
from locales.i18n import _
from reports.public import oit_addresses
from storage.publication import live_site, publication_of, set_live


def page_url(ctx: Ctx, slug: str) -> str:
    return f"{ctx.settings.web_base_url}/p/{slug}/"


async def publish(ctx: Ctx, args: str = "") -> None:
    words = args.split()
    if words[:1] == ["on"]:
        pub = await set_live(ctx.session, ctx.org_id, True, ctx.actor, words[1] if len(words) > 1 else None)
        ctx.say(_("The public page is live: {url}").format(url=page_url(ctx, pub.slug)))
    elif words[:1] == ["off"]:
        await set_live(ctx.session, ctx.org_id, False, ctx.actor)
        ctx.say(_("The public page is off."))
    elif words:
        raise UserError(_("Use /publish, /publish on ADDRESS (first time) or /publish off."))
    current = await publication_of(ctx.session, ctx.org_id)
    site = await live_site(ctx.session, current.slug) if current else None
    if site is None:
        ctx.say(
            _(
                "The public page for ITA is off. /publish on ADDRESS makes it live at PUBLIC_BASE_URL/p/ADDRESS/ "
                "(letters a–z, digits, hyphens): the plan, and each round's documents once the round is closed."
            )
        )
        return
    if words:
        return
    base = page_url(ctx, site.publication.slug)
    lines = [_("The public page is live: {url}").format(url=base), _("Addresses for the ITA's open-data form:")]
    for label, path in await oit_addresses(ctx.session, site):
        lines.append(f"• {label}\n  {base}{path}")
    ctx.say("\n".join(lines))
