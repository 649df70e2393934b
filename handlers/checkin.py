"""Check-in: a unit answers for its items, one short step at a time.

/report → pick an item → status → what was done → money disbursed (items with a budget)
→ quantity (items with a target) → evidence (optional) → summary [confirm] [edit] → saved, and the
next awaiting item is asked at once. "Could not be done" asks e-PlanNACC's reason instead of what
was done (a text only for "other"), then the money. In the 12-month round each item shows its
6-month answer, and one press keeps it, asking only the money disbursed to date.
The draft lives in the conversation row; every button of a draft carries its token.
"""

from __future__ import annotations

from decimal import Decimal

from base.events import Button
from base.values import bangkok_today
from domain.answer import URL_RE, Part, next_part, over_budget
from domain.budget import budget_basis
from domain.vocabulary import AWAITING
from handlers.common import MAX_TEXT, baht, clip, deadline_text, form_button, item_card, round_name
from handlers.context import Ctx, token
from handlers.protocol import Cancel, Confirm, Edit, EvidenceDone, ListPage, MoneyConfirm, Pick, Reason, SetStatus, Step
from locales.errors import ParseError, UserError
from locales.i18n import _
from locales.labels import reason_label, status_button, status_label
from locales.thai import NO_BUDGET, format_quantity, parse_amount, parse_quantity
from reports.summary import reason_text
from storage.answers import AnsweredMeanwhile, Answers, Pair
from storage.evidence import check_room, extension, keep_file
from storage.form_drafts import form_draft, superseded
from storage.models import CannotReason, PlanItem, Round, Status, StatusReport

PAGE = 8
STATUS_CODES = {"n": Status.NOT_STARTED, "i": Status.IN_PROGRESS, "c": Status.COMPLETED, "x": Status.CANNOT}
CODE_OF = {v: k for k, v in STATUS_CODES.items()}
UNCHANGED = "="  # the status button that keeps the 6-month answer
REASON_CODES = {"b": CannotReason.NO_BUDGET, "p": CannotReason.POLICY, "s": CannotReason.STAFF, "o": CannotReason.OTHER}
ICON = {
    AWAITING: "⏳",
    Status.NOT_STARTED.value: "◻️",
    Status.IN_PROGRESS.value: "🔄",
    Status.COMPLETED.value: "✅",
    Status.CANNOT.value: "⛔",
}


# ---------------------------------------------------------------- listing


async def _open_round(ctx: Ctx) -> Round | None:
    rnd = await (await ctx.answers()).open_round()
    if rnd is None:
        ctx.say(
            _("No reporting round is open at the moment. Open one with /round.")
            if ctx.roles.admin
            else _("No reporting round is open at the moment. Your administrator opens it when collection starts.")
        )
    return rnd


async def _require_unit(ctx: Ctx) -> bool:
    if not ctx.roles.units:
        await ctx.log_refusal("report")
        ctx.say(_("Only staff of a unit answer for items. Type /help to see what you can do."))
        return False
    return True


async def report(ctx: Ctx, args: str = "") -> None:
    """Lists the unit's items still awaiting an answer in the open round."""
    if await _require_unit(ctx) and (rnd := await _open_round(ctx)):
        await _show_list(ctx, rnd, awaiting_only=True, page=0)


async def status(ctx: Ctx, args: str = "") -> None:
    """Lists all the unit's items with their latest status; pressing one changes its answer."""
    if await _require_unit(ctx) and (rnd := await _open_round(ctx)):
        await _show_list(ctx, rnd, awaiting_only=False, page=0)


async def pressed_list(ctx: Ctx, press: ListPage) -> None:
    if await _require_unit(ctx) and (rnd := await _open_round(ctx)):
        await _show_list(ctx, rnd, awaiting_only=press.mode == "a", page=press.page, edit=True)


async def _show_list(ctx: Ctx, rnd: Round, *, awaiting_only: bool, page: int, edit: bool = False) -> None:
    answers = await ctx.answers()
    unit_ids = ctx.roles.unit_ids
    pairs = await answers.pairs(rnd.fiscal_year_id, unit_ids)
    latest = await answers.statuses(rnd, unit_ids)
    units = {u: (await answers.unit(u)).name for u in unit_ids}
    missing = sum(1 for p in pairs if (p.item.id, p.unit_id) not in latest)
    if awaiting_only:
        pairs = [p for p in pairs if (p.item.id, p.unit_id) not in latest]
    many_units = len(unit_ids) > 1
    if not pairs:
        if awaiting_only:
            ctx.say(
                _(
                    "All your unit's items have an answer in {round}. Thank you! To change an answer use /status."
                ).format(round=round_name(rnd)),
                edit=edit,
            )
        else:
            ctx.say(_("Your unit owns no items in this plan."), edit=edit)
        return
    pages = (len(pairs) + PAGE - 1) // PAGE
    page = max(0, min(page, pages - 1))
    shown = pairs[page * PAGE : (page + 1) * PAGE]
    header = (
        _("{n} item(s) awaiting your answer in {round} ({deadline}). Choose one:")
        if awaiting_only
        else _("Your unit's items in {round} ({deadline}). Press one to answer or change it:")
    ).format(n=len(pairs), round=round_name(rnd), deadline=deadline_text(rnd, bangkok_today()))
    buttons = []
    for p in shown:
        status, carried = latest.get((p.item.id, p.unit_id), (None, False))
        icon = ICON[status.value if status else AWAITING]
        label = f"{icon} {p.item.code} {p.item.title}"
        if carried:
            label = f"{icon} {p.item.code} " + _("(carried)") + f" {p.item.title}"  # from the 6-month round
        if many_units:
            label = f"[{units[p.unit_id]}] " + label
        buttons.append([Button(clip(label), Pick(p.item.id, p.unit_id).pack())])
    nav = []
    mode = "a" if awaiting_only else "s"
    if page > 0:
        nav.append(Button(_("◀ Previous"), ListPage(mode, page - 1).pack()))
    if page < pages - 1:
        nav.append(Button(_("Next ▶"), ListPage(mode, page + 1).pack()))
    if nav:
        buttons.append(nav)
    buttons.append([form_button()])
    if not awaiting_only:
        header += "\n" + _("Still awaiting an answer: {missing} of {total}.").format(missing=missing, total=len(pairs))
    text = header + (_("\n(page {page} of {pages})").format(page=page + 1, pages=pages) if pages > 1 else "")
    ctx.say(text, buttons, edit=edit, style="items")


# ---------------------------------------------------------------- one item


async def pressed_pick(ctx: Ctx, press: Pick) -> None:
    """Starts a draft answer for the chosen item of one of the person's units."""
    item_id, unit_id = press.item, press.unit
    if not await _require_unit(ctx) or not (rnd := await _open_round(ctx)):
        return
    answers = await ctx.answers()
    item = await answers.item(item_id)
    if unit_id not in ctx.roles.units or item is None or not await answers.owns(item, unit_id):
        await ctx.log_refusal("plan_item")
        raise UserError(_("You can only answer for your own unit's items."))
    await ask_status(ctx, rnd, item, unit_id, edit=True)


async def ask_status(
    ctx: Ctx, rnd: Round, item: PlanItem, unit_id: int, *, edit: bool = False, awaited: bool = False
) -> None:
    """The item, the answer it has now (or its 6-month answer, in the 12-month round), and the status buttons.
    ``awaited``: the pair is known to have no answer in ``rnd``, so a 6-month round has nothing to read."""
    tk = token()
    answers = await ctx.answers()
    if awaited and rnd.months != 12:
        now, before = None, None
    else:
        now, before = await answers.answers_of(rnd, item.id, unit_id)
    before = None if now else before
    # ``base``: the answer this draft started from; a confirm finding another one asks again (never overwrites)
    ctx.goto(Step.REPORT_STATUS, tk=tk, round=rnd.id, item=item.id, unit=unit_id, base=now.id if now else None)
    owners = await answers.owner_units(item)
    unit = next((u for u in owners if u.id == unit_id), None) or await answers.unit(unit_id)
    text = item_card(item, unit.name if len(ctx.roles.units) > 1 or len(owners) > 1 else "", [u.name for u in owners])
    draft = await form_draft(ctx.session, ctx.me.id, rnd.id, item.id, unit_id) if ctx.has_drafts else None
    if draft is not None and superseded(draft, now, ctx.me.id):
        draft = None
    if draft is not None and draft.fields.get("evidence"):  # files sent to the form count here too
        ctx.remember(evidence=list(draft.fields["evidence"])[:10])
    if now:
        text += (
            "\n\n"
            + (_("Current answer (carried from the 6-month round):") if now.carried else _("Current answer:"))
            + "\n"
            + answer_text(item, now)
        )
    elif before:
        text += "\n\n" + _("Answer in the 6-month round:") + "\n" + answer_text(item, before)
    if draft is not None and draft.fields.get("status") in STATUS_CODES.values():
        text += "\n\n" + _("Your draft in the form: {status}").format(status=status_label(draft.fields["status"]))
        if draft.fields.get("done"):
            text += " — " + clip(str(draft.fields["done"]), 200)
    buttons = []
    if before:
        buttons.append([Button(_("No change since the 6-month round"), SetStatus(tk, UNCHANGED).pack())])
    buttons += [
        [Button(status_button(s.value), SetStatus(tk, CODE_OF[s]).pack())]
        for s in (Status.NOT_STARTED, Status.IN_PROGRESS, Status.COMPLETED, Status.CANNOT)
    ]
    buttons.append([Button(_("Stop for now"), Cancel(tk).pack())])
    ctx.say(
        text + "\n\n" + (_("What is its status now?") if now or before else _("What is the status of this item?")),
        buttons,
        edit=edit,
    )


def answer_text(item: PlanItem, r: StatusReport) -> str:
    """An answer in a few lines: status, what was done or why not, money, quantity."""
    lines = [_("Status: {status}").format(status=status_label(r.status.value))]
    if r.done_text:
        lines.append(_("What was done: {text}").format(text=clip(r.done_text, 300)))
    if r.status == Status.CANNOT and reason_text(r):
        lines.append(_("Reason: {text}").format(text=clip(reason_text(r), 300)))
    if not item.no_budget and (r.disbursed is not None or r.no_budget_used):
        lines.append(_("Disbursed: {amount}").format(amount=_("none") if r.no_budget_used else baht(r.disbursed)))
    if item.target_qty is not None and r.qty_achieved is not None:
        lines.append(
            _("Achieved: {qty} of {target} {unit}").format(
                qty=format_quantity(r.qty_achieved), target=format_quantity(item.target_qty), unit=item.target_unit
            )
        )
    return "\n".join(lines)


async def _draft(ctx: Ctx, tk: str) -> tuple[Round, PlanItem] | None:
    """The draft a button belongs to, still answerable; None (with a message) otherwise."""
    if not Step.in_report(ctx.step) or ctx.data.get("tk") != tk:
        ctx.response.notice = _("This button belongs to an earlier answer.")
        ctx.say(_("This button belongs to an earlier answer. Type /report to continue."))
        return None
    answers = await ctx.answers()
    rnd = await answers.round_by_id(ctx.data["round"])
    if rnd is None or rnd.state.value != "open":
        ctx.finish()
        ctx.say(_("This round has closed, so answers can no longer be changed. Please contact your administrator."))
        return None
    item = await answers.item(ctx.data["item"])
    if item is None:  # items are never deleted; a draft naming none was not written by this code
        raise UserError(_("This button is not valid. Type /report to start again."))
    return rnd, item


async def pressed_status(ctx: Ctx, press: SetStatus) -> None:
    """Stores the chosen status and asks the next question: what was done, or why it could not be done."""
    tk, code = press.tk, press.code
    if code not in STATUS_CODES and code != UNCHANGED:
        raise UserError(_("This button is not valid. Type /report to start again."))
    if not (found := await _draft(ctx, tk)):
        return
    rnd, item = found
    if code == UNCHANGED:
        await _keep_previous(ctx, rnd, item)
        return
    st = STATUS_CODES[code]
    ctx.move(Step.REPORT_STATUS, status=st.value)
    ctx.say(f"{item.code} {item.title}\n" + _("Status: {status}").format(status=status_label(st.value)), edit=True)
    await _ask_after(ctx, item, None)


async def _ask_after(ctx: Ctx, item: PlanItem, done: Part | None) -> None:
    """Ask the part of the answer that follows ``done`` (None: the first), as the answer's one rule orders them
    (domain/answer.py, which the form reads by too); the summary when nothing is left."""
    status = Status(ctx.data["status"])
    category = CannotReason(ctx.data["reason_category"]) if ctx.data.get("reason_category") else None
    part = next_part(item, status, category, done, kept=bool(ctx.data.get("kept")))
    if part is None:
        await _show_summary(ctx)
    elif part == Part.DONE:
        ctx.move(Step.REPORT_DONE)
        ctx.say(_("What was done? Please describe it briefly (what, when, how many took part)."))
    elif part == Part.REASON_CATEGORY:
        ctx.move(Step.REPORT_REASON_CATEGORY)
        ctx.say(
            _("Why could it not be done?"),
            [[Button(reason_label(c), Reason(ctx.data["tk"], k).pack())] for k, c in REASON_CODES.items()],
        )
    elif part == Part.REASON:
        ctx.move(Step.REPORT_REASON)
        ctx.say(_("Please describe the reason briefly."))
    elif part == Part.DISBURSED:
        ctx.move(Step.REPORT_MONEY)
        ctx.say(
            _(
                "How much has been disbursed so far, in baht? (budget {budget})\n"
                "Type for example 5,000 or ๕,๐๐๐.๕๐; type - if nothing was spent."
            ).format(budget=baht(budget_basis(item)))
        )
    elif part == Part.QTY:
        ctx.move(Step.REPORT_QTY)
        ctx.say(
            _("How many {unit} have been achieved so far? (target {qty})").format(
                unit=item.target_unit or _("units"), qty=format_quantity(item.target_qty)
            )
        )
    else:
        await _ask_evidence(ctx)


async def _keep_previous(ctx: Ctx, rnd: Round, item: PlanItem) -> None:
    """The 6-month answer, kept as it was; only the money disbursed to date is asked again."""
    _now, before = await (await ctx.answers()).answers_of(rnd, item.id, ctx.data["unit"])
    if before is None:
        raise UserError(_("This button is not valid. Type /report to start again."))
    ctx.move(
        Step.REPORT_STATUS,
        status=before.status.value,
        done=before.done_text,
        qty=None if before.qty_achieved is None else format(before.qty_achieved, "f"),
        evidence=list(before.evidence),
        reason=before.reason,
        reason_category=before.reason_category.value if before.reason_category else None,
        kept=True,
    )
    ctx.say(
        f"{item.code} {item.title}\n"
        + _("No change since the 6-month round: {status}").format(status=status_label(before.status.value)),
        edit=True,
    )
    if next_part(item, before.status, None, None, kept=True) is None or budget_basis(item) is None:
        await _show_summary(ctx)
    else:
        ctx.move(Step.REPORT_MONEY)
        ctx.say(
            _(
                "How much has been disbursed in the whole year so far, in baht? (6-month round: {before}; "
                "budget {budget})\nType for example 5,000 or ๕,๐๐๐.๕๐; type - if nothing was spent."
            ).format(
                before=_("none") if before.no_budget_used else baht(before.disbursed), budget=baht(budget_basis(item))
            )
        )


async def pressed_reason_category(ctx: Ctx, press: Reason) -> None:
    """e-PlanNACC's reason for "could not be done"; "other" asks for a text."""
    tk, code = press.tk, press.code
    if code not in REASON_CODES:
        raise UserError(_("This button is not valid. Type /report to start again."))
    if not await _draft(ctx, tk):
        return
    if ctx.data.get("status") != Status.CANNOT.value:
        raise UserError(_("This button is not valid. Type /report to start again."))
    category = REASON_CODES[code]
    ctx.remember(reason_category=category.value, reason="")
    ctx.say(_("Reason: {text}").format(text=reason_label(category)), edit=True)
    await _ask_after(ctx, await (await ctx.answers()).item(ctx.data["item"]), Part.REASON_CATEGORY)


async def got_done_text(ctx: Ctx) -> None:
    """Stores what was done and asks for the money disbursed."""
    text = _free_text(ctx)
    if text is None:
        return
    ctx.remember(done=text)
    await _ask_after(ctx, await (await ctx.answers()).item(ctx.data["item"]), Part.DONE)


async def got_money(ctx: Ctx) -> None:
    """Stores the amount (asking to confirm one above the budget) and asks for the quantity."""
    try:
        value = parse_amount(ctx.event.text, allow_empty_as_none=False)
    except ParseError as e:
        ctx.say(str(e))
        return
    item = await (await ctx.answers()).item(ctx.data["item"])
    amount = None if value is NO_BUDGET else value
    ctx.remember(disbursed=None if amount is None else format(amount, "f"), no_money=amount is None)
    budget = budget_basis(item)
    if over_budget(item, amount):  # the same rule the form warns by; the chat asks in its own words
        ctx.move(Step.REPORT_MONEY_CONFIRM)
        ctx.say(
            _("{amount} is more than the budget of {budget}. Is it correct?").format(
                amount=baht(amount), budget=baht(budget)
            ),
            [
                [
                    Button(_("Yes, it is correct"), MoneyConfirm(ctx.data["tk"], "y").pack()),
                    Button(_("No, type again"), MoneyConfirm(ctx.data["tk"], "n").pack()),
                ]
            ],
        )
        return
    await _ask_after(ctx, item, Part.DISBURSED)


async def pressed_money_confirm(ctx: Ctx, press: MoneyConfirm) -> None:
    tk, answer = press.tk, press.answer
    if not await _draft(ctx, tk):
        return
    if answer == "y":
        ctx.say(_("Noted: {amount}.").format(amount=baht(Decimal(ctx.data["disbursed"]))), edit=True)
        await _ask_after(ctx, await (await ctx.answers()).item(ctx.data["item"]), Part.DISBURSED)
    else:
        ctx.move(Step.REPORT_MONEY, disbursed=None)
        ctx.say(_("Please type the amount disbursed again."), edit=True)


async def got_qty(ctx: Ctx) -> None:
    """Stores the quantity achieved and asks for evidence."""
    try:
        qty = parse_quantity(ctx.event.text)
    except ParseError as e:
        ctx.say(str(e))
        return
    ctx.remember(qty=None if qty is None else format(qty, "f"))
    await _ask_after(ctx, await (await ctx.answers()).item(ctx.data["item"]), Part.QTY)


async def _ask_evidence(ctx: Ctx) -> None:
    ctx.move(Step.REPORT_EVIDENCE, evidence=ctx.data.get("evidence", []))
    ctx.say(
        _("Evidence (optional): send photos, a file or a web link (URL). Press Next when done."),
        [[Button(_("Next"), EvidenceDone(ctx.data["tk"]).pack())]],
    )


async def got_evidence(ctx: Ctx) -> None:
    """Keeps a photo, file or link as evidence; more can follow until Next is pressed."""
    event = ctx.event
    evidence = list(ctx.data.get("evidence", []))
    if len(evidence) >= 10:
        ctx.say(
            _("That is enough evidence for one answer (10). Press Next."),
            [[Button(_("Next"), EvidenceDone(ctx.data["tk"]).pack())]],
        )
        return
    if event.file is not None:
        try:
            evidence.append(await store_evidence(ctx))
        except UserError as e:
            ctx.say(str(e), [[Button(_("Next"), EvidenceDone(ctx.data["tk"]).pack())]])
            return
    elif URL_RE.match(event.text.strip()) and len(event.text.strip()) <= 1000:
        evidence.append({"kind": "url", "url": event.text.strip()})
    else:
        ctx.say(
            _("Please send a photo, a file or a link starting with http, or press Next."),
            [[Button(_("Next"), EvidenceDone(ctx.data["tk"]).pack())]],
        )
        return
    ctx.remember(evidence=evidence)
    ctx.say(
        _("Received ({n}). Send more, or press Next.").format(n=len(evidence)),
        [[Button(_("Next"), EvidenceDone(ctx.data["tk"]).pack())]],
    )


async def got_file_anytime(ctx: Ctx) -> None:
    """A photo or file sent before the evidence question is kept as evidence all the same."""
    evidence = list(ctx.data.get("evidence", []))
    if len(evidence) >= 10:
        ctx.say(_("That is enough evidence for one answer (10). Press Next."))
        return
    evidence.append(await store_evidence(ctx))
    ctx.remember(evidence=evidence)
    ctx.say(_("Kept as evidence ({n}). Please answer the question above.").format(n=len(evidence)))


async def store_evidence(ctx: Ctx) -> dict:
    """Saves the file the person sent, after checking its declared size before downloading it."""
    f = ctx.event.file
    limit = ctx.settings.evidence_max_mb * 1024 * 1024
    if f.size is not None and f.size > limit:
        raise UserError(
            _("The file is too large ({size} MB); the limit is {limit} MB.").format(
                size=round(f.size / 1024 / 1024, 1), limit=ctx.settings.evidence_max_mb
            )
        )
    ext = extension(f.kind, f.name, f.mime)  # refused before the download when its kind cannot be kept
    check_room(ctx.settings, ctx.org_id, ctx.me.id, f.size or 0)  # before the download, too
    return keep_file(ctx.settings, ctx.org_id, ctx.me.id, f.kind, f.name, f.mime, await f.fetch(), ext)


async def pressed_evidence_done(ctx: Ctx, press: EvidenceDone) -> None:
    if not await _draft(ctx, press.tk):
        return
    await _show_summary(ctx)


async def got_reason(ctx: Ctx) -> None:
    text = _free_text(ctx)
    if text is None:
        return
    ctx.remember(reason=text)
    await _ask_after(ctx, await (await ctx.answers()).item(ctx.data["item"]), Part.REASON)


async def _show_summary(ctx: Ctx) -> None:
    d = ctx.data
    item = await (await ctx.answers()).item(d["item"])
    lines = [
        _("Please check your answer:"),
        f"{item.code} {item.title}",
        _("Status: {status}").format(status=status_label(d["status"])),
    ]
    if d.get("done"):
        lines.append(_("What was done: {text}").format(text=d["done"]))
    if not item.no_budget and d["status"] != Status.NOT_STARTED.value:
        lines.append(
            _("Disbursed: {amount}").format(
                amount=_("none") if d.get("no_money") else baht(Decimal(d["disbursed"])) if d.get("disbursed") else "-"
            )
        )
    if item.target_qty is not None and d.get("qty") is not None:
        lines.append(
            _("Achieved: {qty} of {target} {unit}").format(
                qty=format_quantity(Decimal(d["qty"])), target=format_quantity(item.target_qty), unit=item.target_unit
            )
        )
    if d.get("evidence"):
        lines.append(_("Evidence: {n} item(s)").format(n=len(d["evidence"])))
    if d["status"] == Status.CANNOT.value:
        category = CannotReason(d["reason_category"]) if d.get("reason_category") else None
        lines.append(
            _("Reason: {text}").format(
                text=reason_text(StatusReport(reason=d.get("reason") or "", reason_category=category)) or "-"
            )
        )
    ctx.move(Step.REPORT_CONFIRM)
    tk = d["tk"]
    ctx.say(
        "\n".join(lines),
        [
            [Button(_("Confirm"), Confirm(tk).pack()), Button(_("Edit"), Edit(tk).pack())],
            [Button(_("Cancel"), Cancel(tk).pack())],
        ],
    )


async def pressed_confirm(ctx: Ctx, press: Confirm) -> None:
    """Writes the answer (a new StatusReport; the history stays) and asks the next awaiting item."""
    if not (found := await _draft(ctx, press.tk)):
        return
    rnd, item = found
    if ctx.step != Step.REPORT_CONFIRM:
        raise UserError(_("This button is not valid. Type /report to start again."))
    d = ctx.data
    answers = await ctx.answers()
    try:
        saved = await _save_confirmed(ctx, answers, rnd, item)
    except AnsweredMeanwhile as e:  # the form, or another person of the unit: shown, and asked again
        ctx.remember(base=e.newer.id)
        ctx.say(
            _("Someone else answered this item meanwhile:")
            + "\n"
            + answer_text(item, e.newer)
            + "\n\n"
            + _("Press Confirm again to replace it with yours, or Cancel to keep it."),
            [[Button(_("Confirm"), Confirm(press.tk).pack()), Button(_("Cancel"), Cancel(press.tk).pack())]],
        )
        return
    ctx.say(
        _("Saved: {code} — {status}. Thank you.").format(code=item.code, status=status_label(saved.status.value)),
        edit=True,
    )
    nxt = await _next_awaiting(ctx, rnd, preferred_unit=d["unit"])
    if nxt is None or nxt.unit_id != d["unit"]:
        await (await ctx.answers()).mark_thanked(rnd, d["unit"])  # this reply says it: no push after
    if nxt:
        # the conversation moves on: written once, at commit
        await ask_status(ctx, rnd, nxt.item, nxt.unit_id, awaited=True)
    else:
        ctx.finish()
        ctx.say(
            _("All your unit's items have an answer in {round}. Thank you! To change an answer use /status.").format(
                round=round_name(rnd)
            )
        )


async def _save_confirmed(ctx: Ctx, answers: Answers, rnd: Round, item: PlanItem) -> StatusReport:
    d = ctx.data
    return await answers.save(
        StatusReport(
            org_id=ctx.org_id,
            round_id=rnd.id,
            item_id=item.id,
            unit_id=d["unit"],
            status=Status(d["status"]),
            done_text=d.get("done", ""),
            qty_achieved=Decimal(d["qty"]) if d.get("qty") else None,
            disbursed=Decimal(d["disbursed"]) if d.get("disbursed") else None,
            no_budget_used=bool(d.get("no_money")),
            evidence=d.get("evidence", []),
            reason=d.get("reason", "") if d["status"] == Status.CANNOT.value else "",
            reason_category=CannotReason(d["reason_category"])
            if d["status"] == Status.CANNOT.value and d.get("reason_category")
            else None,
            person_id=ctx.me.id,
            channel=ctx.event.platform,
        ),
        actor=ctx.actor,
        base=d.get("base"),  # the form's draft of this item is now older than the answer: no longer shown
    )


async def _next_awaiting(ctx: Ctx, rnd: Round, preferred_unit: int) -> Pair | None:
    waiting = await (await ctx.answers()).awaiting(rnd, ctx.roles.unit_ids)
    waiting.sort(key=lambda p: p.unit_id != preferred_unit)
    return waiting[0] if waiting else None


async def pressed_edit(ctx: Ctx, press: Edit) -> None:
    if not (found := await _draft(ctx, press.tk)):
        return
    rnd, item = found
    await ask_status(ctx, rnd, item, ctx.data["unit"], edit=True)


async def pressed_cancel(ctx: Ctx, press: Cancel) -> None:
    if ctx.data.get("tk") == press.tk:
        ctx.finish()
    ctx.say(_("Stopped. Nothing more was saved. Type /report when you are ready."), edit=True)


async def wrong_input(ctx: Ctx) -> None:
    """Text where a button is expected: show the buttons again."""
    rnd, item = (
        await (await ctx.answers()).round_by_id(ctx.data["round"]),
        await (await ctx.answers()).item(ctx.data["item"]),
    )
    if ctx.step == Step.REPORT_STATUS:
        ctx.say(_("Please press one of the buttons to choose the status."))
        await ask_status(ctx, rnd, item, ctx.data["unit"])
    elif ctx.step == Step.REPORT_CONFIRM:
        ctx.say(_("Please press Confirm, Edit or Cancel."))
        await _show_summary(ctx)
    else:
        ctx.say(_("Please press one of the buttons."))


def _free_text(ctx: Ctx) -> str | None:
    text = ctx.event.text.strip()
    if not text:
        ctx.say(_("Please type a short text."))
        return None
    if len(text) > MAX_TEXT:
        ctx.say(
            _("That is too long ({n} characters); please keep it under {limit} characters.").format(
                n=f"{len(text):,}", limit=f"{MAX_TEXT:,}"
            )
        )
        return None
    return text
