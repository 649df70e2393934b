"""Write a round's documents in the formats asked for; returns the files written."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

from locales.errors import UserError
from locales.i18n import _, current_language, set_language
from reports.model import RoundReport

FORMATS = ("xlsx", "docx", "pdf", "eplan")  # eplan: the e-PlanNACC entry sheet (HTML), internal only


def parse_formats(text: str) -> list[str]:
    chosen = [f.strip().lower().lstrip(".") for f in text.split(",") if f.strip()]
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise UserError(
            _("Formats are xlsx, docx, pdf and eplan (separated by commas); not: {bad}").format(
                bad=", ".join(unknown) or "-"
            )
        )
    return list(dict.fromkeys(chosen))


def file_stem(r: RoundReport) -> str:
    return f"tidtam-{r.fiscal_year.year_be}-round{r.round.months}"


def export(r: RoundReport, formats: list[str], out_dir: Path, *, parallel: bool = False) -> list[Path]:
    """Write the files. ``parallel``: the report PDF (the slowest part) is laid out in a forked child while
    this process writes the rest — only when this process runs no other thread (forking one is unsafe)."""
    stem = file_stem(r)
    if (
        parallel
        and "pdf" in formats
        and threading.active_count() == 1
        and "fork" in multiprocessing.get_all_start_methods()
    ):
        report_pdf = out_dir / f"{stem}-report.pdf"
        child = multiprocessing.get_context("fork").Process(
            target=_report_pdf_child, args=(r, report_pdf, current_language())
        )
        child.start()
        written = export(r, [f for f in formats if f != "pdf"], out_dir)
        from reports.pdf import write_memo_pdf

        memo = [] if r.public else [write_memo_pdf(r, out_dir / f"{stem}-memo.pdf")]
        child.join()
        if child.exitcode != 0:
            raise RuntimeError(f"the PDF writer failed (exit code {child.exitcode})")
        return written + [report_pdf, *memo]
    paths: list[Path] = []
    if "xlsx" in formats:
        from reports.xlsx import write_xlsx

        paths.append(write_xlsx(r, out_dir / f"{stem}-tables.xlsx"))
    if "docx" in formats:
        from reports.docx import write_memo_docx, write_report_docx

        paths.append(write_report_docx(r, out_dir / f"{stem}-report.docx"))
        if not r.public:  # the memo is the compiler's note to the executive, never published
            paths.append(write_memo_docx(r, out_dir / f"{stem}-memo.docx"))
    if "eplan" in formats and not r.public:
        from reports.eplan import write_eplan

        paths.append(write_eplan(r, out_dir / f"{stem}-eplan.html"))
    if "pdf" in formats:
        from reports.pdf import write_memo_pdf, write_report_pdf

        paths.append(write_report_pdf(r, out_dir / f"{stem}-report.pdf"))
        if not r.public:
            paths.append(write_memo_pdf(r, out_dir / f"{stem}-memo.pdf"))
    return paths


def _report_pdf_child(r: RoundReport, path: Path, lang: str) -> None:
    from reports.pdf import write_report_pdf

    set_language(lang)
    write_report_pdf(r, path)
