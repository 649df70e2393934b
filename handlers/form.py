"""The answer form: a unit's whole list on one page (Telegram Mini App, LINE LIFF, or a one-time link).

Platform-neutral like every handler: the web routes (bot/web/form.py) find who is asking and call these. A person
reads and writes only their own units' items of the open round, in their own organisation, checked on every
call as a chat press is. Submitted answers are checked by the answer's one rule (domain/answer.py, which the
chat asks by), all or nothing, and
saved in one transaction with their audit lines; an answer someone else saved since the page loaded is never
overwritten silently: that item is refused and shows the newer answer.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from base.events import Button, Message
from base.settings import Settings
from base.values import bangkok_today, utcnow, without_control_characters
from domain.answer import URL_RE, read_answer
from domain.budget import budget_basis
from handlers.common import deadline_text, round_name
from handlers.context import Ctx
from locales.errors import UserError
from locales.i18n import _, current_language, set_language
from locales.labels import status_label
from storage.addresses import person_addresses
from storage.answers import AnsweredMeanwhile, Answers, Pair
from storage.db import AsyncSession
from storage.evidence import keep_file
from storage.form_drafts import (
    chat_drafts,
    drafts_of,
    drop_form_drafts,
    finish_chat_drafts,
    form_draft,
    locked_draft,
    superseded,
)
from storage.form_passes import LINK_MINUTES, Holder, issue
from storage.models import (
    FormDraft,
    Person,
    Round,
    RoundState,
    StatusReport,
)
from storage.outbox import OutboxKey, enqueue, to_payload
from storage.people import roles_of
from storage.repo import Plan

DRAFT_FIELDS = ("status", "done", "disbursed", "qty", "reason_category", "reason", "url")
MAX_FIELD = 2000
MAX_EVIDENCE = 10


def row_id(value: Any) -> int | None:
    """An id the page sent, if it can be one: JSON gives any number (or a bool), a database only 64 bits."""
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63 else None


class FormRefused(UserError):
    """The form cannot be used now (no round open, no unit); the message is for the person."""


@dataclass
class Checked:
    """One submitted item: the answer to save, or what is wrong with each field."""

    pair: Pair
    report: StatusReport | None = None
    errors: dict[str, str] = field(default_factory=dict)
    base: int | None = None  # the answer the page showed: another one saved meanwhile refuses the whole send


class SentMeanwhile(Exception):
    """Another answer to one of the items was saved while this send was being saved (the same item sent twice
    at once): nothing of the send is kept — the transaction rolls back — and the page shows the newer answer."""

    def __init__(self, result: dict[str, Any]):
        super().__init__("answered meanwhile")
        self.result = result


async def _context(
    session: AsyncSession, holder: Holder, page_round: Any = None, closed: list[str] | None = None
) -> tuple[Person, Round, list[int]]:
    """The person, the open round and their units. ``page_round``, the round the page was loaded with, names
    the true cause when that round has closed since (not "no round is open yet"); given a ``closed`` list, a
    closed page round is returned instead, with that cause appended (what was typed is still kept)."""
    person = await session.get(Person, holder.person_id)
    if person is None or person.org_id != holder.org_id:
        raise FormRefused(_("This page has expired. Open it again from the chat."))
    unit_ids = (await roles_of(session, person)).unit_ids
    if not unit_ids:
        raise FormRefused(_("You are not in a unit that answers items. Please contact your administrator."))
    answers = Answers(session, holder.org_id)
    rnd = await answers.open_round()
    page_round = row_id(page_round)
    if page_round is not None and (rnd is None or rnd.id != page_round):
        gone = await answers.round_by_id(page_round)
        if gone is not None and closed is not None and gone.state == RoundState.CLOSED:
            closed.append(_round_gone(gone, rnd))
            return person, gone, list(unit_ids)
        if gone is not None:
            raise FormRefused(_round_gone(gone, rnd))
    if rnd is None:
        raise FormRefused(
            _("No reporting round is open at the moment. Your administrator opens it when collection starts.")
        )
    return person, rnd, list(unit_ids)


def _round_gone(page: Round, now_open: Round | None) -> str:
    if now_open is not None:
        return _(
            "Answers for {round} are closed and {other} is open now: nothing was saved. Please open the form "
            "again from the chat."
        ).format(round=round_name(page), other=round_name(now_open))
    return _(
        "Answers for {round} are closed: nothing was saved. What you typed is kept; if your administrator "
        "reopens the round, open the form again and send it."
    ).format(round=round_name(page))


def _answer_json(r: StatusReport | None) -> dict[str, Any] | None:
    if r is None:
        return None
    return {
        "id": r.id,
        "status": r.status.value,
        "status_label": status_label(r.status.value),
        "done": r.done_text,
        "disbursed": None if r.disbursed is None else format(r.disbursed, "f"),
        "no_money": r.no_budget_used,
        "qty": None if r.qty_achieved is None else format(r.qty_achieved, "f"),
        "reason_category": r.reason_category.value if r.reason_category else None,
        "reason": r.reason,
        "carried": r.carried,
        "at": r.created_at.isoformat(),
    }


async def load(session: AsyncSession, holder: Holder) -> dict[str, Any]:
    """The person's items in the open round, grouped by dimension, each with its answer, the 6-month one and
    the person's draft (the form's, or the chat's when the chat's is newer: one draft, never two)."""
    person, rnd, unit_ids = await _context(session, holder)
    answers = Answers(session, holder.org_id)
    pairs = await answers.pairs(rnd.fiscal_year_id, unit_ids)
    latest = await answers.latest(rnd, unit_ids)
    previous = await answers.previous(rnd)
    units = {u: (await answers.unit(u)) for u in unit_ids}
    sections = await Plan(session, holder.org_id).section_titles(rnd.fiscal_year_id)
    saved = await drafts_of(session, holder.person_id, rnd.id)
    chat = await chat_drafts(session, holder.person_id, rnd.id)
    owners: dict[int, int] = {}  # how many of the person's units' pairs name each item: >1 is shared anyway
    for p in await answers.pairs(rnd.fiscal_year_id):
        owners[p.item.id] = owners.get(p.item.id, 0) + 1
    items = []
    for p in pairs:
        it, key = p.item, (p.item.id, p.unit_id)
        budget = budget_basis(it)
        shared = it.all_units or owners.get(it.id, 0) > 1
        fresh = key in saved and not superseded(saved[key], latest.get(key), holder.person_id)
        draft = dict(saved[key].fields) if fresh else {}
        if key in chat and (not fresh or chat[key][1] >= saved[key].updated_at):
            draft = {**draft, **chat[key][0]}
        items.append(
            {
                "item": it.id,
                "unit": p.unit_id,
                "unit_name": units[p.unit_id].name if units[p.unit_id] else "",
                "dimension": sections.get(it.dimension_id, ""),
                "code": it.code,
                "title": it.title,
                "kpi": it.kpi,
                "shared": [u.name for u in await answers.owner_units(it) if u.id != p.unit_id] if shared else [],
                "no_budget": it.no_budget,
                "budget": None if budget is None else format(budget, "f"),
                "target_qty": None if it.target_qty is None else format(it.target_qty, "f"),
                "target_unit": it.target_unit,
                "answer": _answer_json(latest.get(key)),
                "previous": _answer_json(previous.get(key)),
                "draft": {**draft, "evidence": [_file_json(e) for e in draft.get("evidence", [])]},
            }
        )
    return {
        "round": {
            "id": rnd.id,
            "months": rnd.months,
            "due": rnd.due_on.isoformat(),
            "deadline": deadline_text(rnd, bangkok_today()),
        },
        "lang": person.lang,
        "items": items,
    }


async def _newer_json(session: AsyncSession, newer: StatusReport, person: Person) -> dict[str, Any]:
    """An answer saved meanwhile, as the page shows it: whose (the person's own chat answer, or by name)."""
    who = await session.get(Person, newer.person_id) if newer.person_id else None
    return {**(_answer_json(newer) or {}), "mine": newer.person_id == person.id, "by": who.display_name if who else ""}


def _file_json(e: dict[str, Any]) -> dict[str, Any]:
    """What the page may know of a piece of evidence: its name or link, never where it is stored."""
    return {"kind": e.get("kind", ""), "name": e.get("name") or e.get("url", "")}


async def _owned_pair(
    session: AsyncSession, holder: Holder, rnd: Round, unit_ids: list[int], item_id: Any, unit_id: Any
) -> Pair | None:
    item_id, unit_id = row_id(item_id), row_id(unit_id)
    if item_id is None or unit_id is None or unit_id not in unit_ids:
        return None
    answers = Answers(session, holder.org_id)
    item = await answers.item(item_id)
    if item is None or item.fiscal_year_id != rnd.fiscal_year_id or not await answers.owns(item, unit_id):
        return None
    return Pair(item, unit_id)


async def save_draft(session: AsyncSession, holder: Holder, body: dict[str, Any]) -> tuple[bool, str]:
    """Keep what was typed for one item: (False, "") when the item is not the person's to answer; (True, why)
    when the page's round has closed meanwhile — typed text is kept in that round's draft all the same, for a
    reopening to bring back. The evidence list is the server's own (uploads); what the page sends is ignored."""
    closed: list[str] = []
    _person, rnd, unit_ids = await _context(session, holder, body.get("round"), closed)
    pair = await _owned_pair(session, holder, rnd, unit_ids, body.get("item"), body.get("unit"))
    if pair is None:
        return False, ""
    fields = body.get("fields")
    fields = fields if isinstance(fields, dict) else {}
    kept: dict[str, Any] = {
        k: without_control_characters(str(v))[:MAX_FIELD]
        for k, v in fields.items()
        if k in DRAFT_FIELDS and v is not None
    }
    draft = await _draft_row(session, holder, rnd, pair)
    draft.fields, draft.updated_at = {**kept, "evidence": draft.fields.get("evidence", [])}, utcnow()
    session.add(draft)
    return True, "".join(closed)


async def _draft_row(session: AsyncSession, holder: Holder, rnd: Round, pair: Pair) -> FormDraft:
    return await locked_draft(session, holder.org_id, holder.person_id, rnd.id, pair.item.id, pair.unit_id)


async def add_evidence(
    session: AsyncSession,
    holder: Holder,
    settings: Settings,
    item: Any,
    unit: Any,
    name: str,
    mime: str,
    content: bytes,
    page_round: int | None = None,
) -> list[dict[str, Any]] | None:
    """A photo or file uploaded to the form, checked and kept as the chat keeps one, added to the item's draft;
    None when the item is not the person's to answer."""
    _person, rnd, unit_ids = await _context(session, holder, page_round)
    pair = await _owned_pair(session, holder, rnd, unit_ids, item, unit)
    if pair is None:
        return None
    draft = await _draft_row(session, holder, rnd, pair)
    evidence = list(draft.fields.get("evidence", []))
    if len(evidence) >= MAX_EVIDENCE:
        raise UserError(_("That is enough evidence for one answer (10)."))
    kind = "photo" if mime.startswith("image/") else "document"
    evidence.append(keep_file(settings, holder.org_id, holder.person_id, kind, name or "file", mime, content))
    draft.fields, draft.updated_at = {**draft.fields, "evidence": evidence}, utcnow()
    session.add(draft)
    return [_file_json(e) for e in evidence]


def _evidence(files: Any, url: str) -> list[dict[str, Any]]:
    kept = [e for e in files if isinstance(e, dict)] if isinstance(files, list) else []
    if url and not any(e.get("url") == url for e in kept):
        kept.append({"kind": "url", "url": url})
    return kept[:MAX_EVIDENCE]


def check(pair: Pair, entry: dict[str, Any], rnd: Round, person_id: int) -> Checked:
    """One item's fields read by the answer's one rule (domain/answer.py, as the chat reads them); every problem
    named beside its field."""
    out = Checked(pair)
    reading = read_answer(pair.item, entry, over_budget_ok=bool(entry.get("over_budget_ok")))
    out.errors = dict(reading.problems)
    url = str(entry.get("url") or "").strip()
    if url and not URL_RE.match(url):
        out.errors["url"] = _("A web link starts with http:// or https://")
    if out.errors or reading.answer is None:
        return out
    a = reading.answer
    out.report = StatusReport(
        org_id=rnd.org_id,
        round_id=rnd.id,
        item_id=pair.item.id,
        unit_id=pair.unit_id,
        status=a.status,
        done_text=a.done,
        qty_achieved=a.qty,
        disbursed=a.disbursed,
        no_budget_used=a.no_money,
        evidence=_evidence(entry.get("_files"), url),
        reason=a.reason,
        reason_category=a.reason_category,
        person_id=person_id,
        channel="form",
    )
    return out


async def submit(session: AsyncSession, holder: Holder, body: dict[str, Any], platform: str) -> dict[str, Any]:
    """All or nothing: every entry checked; any problem → nothing saved and each problem named; an item answered
    by someone else since ``base`` (the answer the page showed) → refused with the newer answer."""
    person, rnd, unit_ids = await _context(session, holder, body.get("round"))
    entries = body.get("answers")
    if not isinstance(entries, list) or not entries or len(entries) > 500:
        return {"ok": False, "errors": {"": _("Nothing to send.")}}
    answers = Answers(session, holder.org_id)
    latest = await answers.latest(rnd, unit_ids)
    chat = await chat_drafts(session, person.id, rnd.id)  # files sent in the chat's answer in progress count too
    errors: dict[str, dict[str, str]] = {}
    newer: dict[str, Any] = {}
    checked: list[Checked] = []
    for entry in entries:
        entry = entry if isinstance(entry, dict) else {}
        pair = await _owned_pair(session, holder, rnd, unit_ids, entry.get("item"), entry.get("unit"))
        if pair is None:
            return {"ok": False, "errors": {"": _("This item is not one of your unit's items.")}}
        key = f"{pair.item.id}:{pair.unit_id}"
        current = latest.get((pair.item.id, pair.unit_id))
        if current is not None and current.id != entry.get("base"):  # shown once, beside the item, with who
            newer[key] = await _newer_json(session, current, person)
            continue
        stored = await form_draft(session, person.id, rnd.id, pair.item.id, pair.unit_id)
        files = list(stored.fields.get("evidence", [])) if stored else []  # the server's own lists, not the page's
        files += [
            e for e in chat.get((pair.item.id, pair.unit_id), ({}, None))[0].get("evidence", []) if e not in files
        ]
        entry = {**entry, "_files": files}
        c = check(pair, entry, rnd, person.id)
        c.base = row_id(entry.get("base"))
        if c.errors:
            errors[key] = c.errors
        checked.append(c)
    if errors or newer:
        return {"ok": False, "errors": errors, "newer": newer}
    saved = []
    actor = f"form:{platform}:{person.id}"
    for c in checked:
        assert c.report is not None
        try:
            r = await answers.save(c.report, actor=actor, base=c.base)
        except AnsweredMeanwhile as e:
            key = f"{c.pair.item.id}:{c.pair.unit_id}"
            raise SentMeanwhile(
                {"ok": False, "errors": {}, "newer": {key: await _newer_json(session, e.newer, person)}}
            ) from None
        saved.append({"code": c.pair.item.code, "status": status_label(r.status.value)})
    keys = {(c.pair.item.id, c.pair.unit_id) for c in checked}
    await drop_form_drafts(session, rnd.id, keys, person.id)  # what was sent is saved: its drafts are done
    await finish_chat_drafts(session, person.id, rnd.id, keys)
    await _tell_chat(session, person, rnd, saved)
    return {"ok": True, "saved": saved, "at": utcnow().isoformat()}


async def _tell_chat(session: AsyncSession, person: Person, rnd: Round, saved: list[dict[str, str]]) -> None:
    """The bot says in the person's chats what the form saved (through the outbox, in the same transaction: a
    submit that rolls back tells nothing)."""
    addresses = await person_addresses(session, person)
    speaking = current_language()
    set_language(person.lang)
    lines = [_("Saved from the form: {n} item(s) in {round}.").format(n=len(saved), round=round_name(rnd))]
    lines += [f"• {s['code']} — {s['status']}" for s in saved[:20]]
    if len(saved) > 20:
        lines.append(_("… and {n} more").format(n=len(saved) - 20))
    message = Message("\n".join(lines))
    set_language(speaking)
    tag = uuid.uuid4().hex
    await enqueue(
        session,
        [
            {
                "org_id": person.org_id,
                "key": str(OutboxKey(person.org_id, "e", f"form-{tag}", a.platform, a.chat_id)),
                "kind": "notice",
                "platform": a.platform,
                "chat_id": a.chat_id,
                "is_group": False,
                "payload": to_payload(message, Path(".")),
            }
            for a in addresses
        ],
    )


async def form_link(ctx: Any, args: str = "") -> None:
    """/form: a one-time link (30 minutes) to the page with all the unit's items."""

    assert isinstance(ctx, Ctx) and ctx.person is not None
    if ctx.event.chat_type == "group":
        ctx.say(_("Please use this command in a private chat with me."))
        return
    await _context(ctx.session, Holder(ctx.org_id, ctx.me.id))  # refuses here, in the chat, if it cannot open
    token = await issue(ctx.session, ctx.org_id, ctx.me.id, "link")
    link = f"{ctx.settings.web_base_url}/form/#t={token}"
    ctx.say(
        _("Answer all your unit's items on one page (the link works once, for {minutes} minutes):\n{url}").format(
            minutes=LINK_MINUTES, url=link
        ),
        [[Button(_("Open the form"), url=link)]],
    )
