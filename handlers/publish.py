"""/publish for admins: the organisation's public page for ITA — its state and the addresses to enter in the
ITA's open-data form; ``/publish on SLUG``, ``/publish off``, ``/publish link URL``, ``/publish contact EMAIL`` (the
open datasets' contact), and ``/publish round 6|12 [override REASON]``: a preview of what will be public and what was
masked, then the documents laid out in a worker once the admin confirms (after the executives' approval, where the
organisation has a sign-off chain, or with the reason shown on the page)."""

from __future__ import annotations

from base.events import Button
from handlers.context import Ctx, token
from handlers.protocol import PublishAnswer, Step
from locales.errors import UserError
from locales.i18n import _
from reports.public import (
    PublicSite,
    may_publish,
    oit_addresses,
    preview_lines,
    public_report,
    record_published,
    write_files,
    write_round_files,
)
from storage.answers import Answers
from storage.public_choices import mark_link
from storage.publication import live_site, publication_of, set_contact, set_live
from storage.repo import Rounds


def page_url(ctx: Ctx, slug: str) -> str:
    return f"{ctx.settings.web_base_url}/p/{slug}/"


def _local_note(ctx: Ctx) -> str:
    if ctx.settings.public_base_url:
        return ""
    return "\n" + _(
        "Note: PUBLIC_BASE_URL is not set, so these addresses are this machine's own ({url}) and cannot go "
        "in the OIT form. Set PUBLIC_BASE_URL=https://… (the address people reach this server at) in .env "
        "and run the command again."
    ).format(url=ctx.settings.web_base_url)


async def publish(ctx: Ctx, args: str = "") -> None:
    words = args.split()
    if words[:1] == ["round"]:
        await _preview(ctx, words[1:])
        return
    if words[:1] == ["link"]:
        await _mark_link(ctx, words[1:])
        return
    if words[:1] == ["contact"]:
        pub = await set_contact(ctx.session, ctx.org_id, " ".join(words[1:]), ctx.actor)
        ctx.say(_("The open datasets name {email} as their contact.").format(email=pub.contact_email))
        return
    if words[:1] == ["on"]:
        pub = await set_live(ctx.session, ctx.org_id, True, ctx.actor, words[1] if len(words) > 1 else None)
        ctx.say(_("The public page is live: {url}").format(url=page_url(ctx, pub.slug)) + _local_note(ctx))
        ctx.later(lambda db: write_plan(ctx, db), detached=True)
    elif words[:1] == ["off"]:
        await set_live(ctx.session, ctx.org_id, False, ctx.actor)
        ctx.say(_("The public page is off."))
    elif words:
        raise UserError(
            _("Use /publish, /publish on ADDRESS (first time), /publish round 6|12, /publish link URL or /publish off.")
        )
    current = await publication_of(ctx.session, ctx.org_id)
    site = await live_site(ctx.session, current.slug) if current else None
    if site is None:
        ctx.say(
            _(
                "The public page for ITA is off. /publish on ADDRESS makes it live at PUBLIC_BASE_URL/p/ADDRESS/ "
                "(letters a–z, digits, hyphens): the plan, and each round's documents once you publish them with "
                "/publish round 6 or 12."
            )
        )
        return
    if words:
        return
    base = page_url(ctx, site.publication.slug)
    lines = [_("The public page is live: {url}").format(url=base), _("Addresses for the ITA's open-data form:")]
    for label, path in await oit_addresses(ctx.session, site):
        lines.append(f"• {label}\n  {base}{path}")
    ctx.say("\n".join(lines) + _local_note(ctx))


async def write_plan(ctx: Ctx, db) -> None:
    """The plan's public PDF and XLSX, laid out after the step committed (never by a visitor's request)."""
    async with db.session(commit=False) as session:
        current = await publication_of(session, ctx.org_id)
        site = await live_site(session, current.slug) if current else None
        jobs = await PublicSite(session, ctx.settings, site).plan_jobs() if site else []
    await write_files(jobs)


async def _mark_link(ctx: Ctx, words: list[str]) -> None:
    """/publish link URL (or /publish link off URL): a link to private storage that is meant to be seen."""
    public = words[:1] != ["off"]
    url = " ".join(words[0 if public else 1 :])
    changed = await mark_link(ctx.session, ctx.org_id, url, public, ctx.actor)
    if public:
        ctx.say(
            (_("Marked public: {url}") if changed else _("Already public: {url}")).format(url=url)
            + "\n"
            + _("It appears in the documents of a round published from now on (/publish round 6 or 12 again).")
        )
    else:
        ctx.say((_("Left out again: {url}") if changed else _("Not marked public: {url}")).format(url=url))


async def _preview(ctx: Ctx, words: list[str]) -> None:
    """What would be published, and a question: nothing is public until the admin says yes."""
    if not words or words[0] not in ("6", "12") or (len(words) > 1 and words[1] != "override"):
        raise UserError(_("Use /publish round 6 or /publish round 12."))
    current = await publication_of(ctx.session, ctx.org_id)
    if current is None or not current.live:
        raise UserError(_("The public page is off; turn it on with /publish on ADDRESS first."))
    repo = Rounds(ctx.session, ctx.org_id)
    rnd = await repo.get(await repo.fiscal_year(), int(words[0]))
    if rnd is None:
        raise UserError(_("No {months}-month round in that fiscal year.").format(months=words[0]))
    override = await may_publish(ctx.session, ctx.org_id, rnd, " ".join(words[2:]))
    report = await public_report(ctx.session, ctx.settings, ctx.organisation, rnd)
    tk = token()
    ctx.goto(Step.PUBLISH_CONFIRM, tk=tk, round_id=rnd.id, override=override)
    lines = preview_lines(report, "/publish link URL")
    if override:
        lines.append(
            _("• published before the executives' approval; the page says why: {reason}").format(reason=override)
        )
    ctx.say(
        "\n".join(lines),
        [[Button(_("Publish"), PublishAnswer(tk, "y").pack()), Button(_("Cancel"), PublishAnswer(tk, "n").pack())]],
    )


async def pressed_publish(ctx: Ctx, press: PublishAnswer) -> None:
    if ctx.step != Step.PUBLISH_CONFIRM or ctx.data.get("tk") != press.tk:
        ctx.say(_("This button belongs to an earlier preview. Send /publish round 6 or 12 again."), edit=True)
        return
    round_id, override = int(ctx.data["round_id"]), str(ctx.data.get("override", ""))
    ctx.finish()  # committed first: a second press finds nothing to confirm
    if press.answer != "y":
        ctx.say(_("Not published; nothing was changed."), edit=True)
        return
    ctx.say(_("Publishing: the documents are being laid out…"), edit=True)
    ctx.later(lambda db: _publish_confirmed(ctx, db, round_id, override), detached=True)


async def _publish_confirmed(ctx: Ctx, db, round_id: int, override: str) -> None:
    async with db.session(commit=False) as session:  # one consistent read; the layout holds no transaction
        rnd = await Answers(session, ctx.org_id).round_by_id(round_id)
        if rnd is None:
            raise UserError(_("This button is not valid."))
        report = await public_report(session, ctx.settings, ctx.organisation, rnd)
    await write_round_files(ctx.settings, ctx.org_id, round_id, report)
    async with db.session() as session:
        rnd = await Answers(session, ctx.org_id).round_by_id(round_id)
        pub = await publication_of(session, ctx.org_id)
        if rnd is None or pub is None:  # deleted, or the page turned off, while the documents were laid out
            raise UserError(_("This button is not valid."))
        await record_published(session, ctx.organisation, rnd, report, ctx.actor, override)
    await write_plan(ctx, db)
    url = f"{page_url(ctx, pub.slug)}{report.fiscal_year.year_be}/{report.round.months}/"
    ctx.say(_("Published: {url}").format(url=url) + _local_note(ctx))
