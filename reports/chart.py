"""The digest's picture: items per มิติ by status, Thai labels set in the OFL Sarabun font the project ships."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from domain.vocabulary import STATUS_ORDER
from locales.i18n import _
from locales.labels import status_label
from reports.summary import RoundSummary

COLOURS = {
    "awaiting": "#b0b7c3",
    "not_started": "#f2d16b",
    "in_progress": "#5b9bd5",
    "completed": "#4caf50",
    "cannot": "#e05d5d",
}


@cache
def thai_font() -> str:
    """Register Sarabun with matplotlib once and return its family name."""
    import fontpkg_sarabun
    from matplotlib import font_manager

    for weight in ("Regular", "Bold"):
        font_manager.fontManager.addfont(str(fontpkg_sarabun.ROOT / "files" / f"Sarabun-{weight}.ttf"))
    return fontpkg_sarabun.FAMILY


def status_chart(summary: RoundSummary, path: Path, title: str) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    family = thai_font()
    plt.rcParams["font.family"] = family
    dims = summary.per_dimension
    labels = [_("Dimension {code}").format(code=d.section.code) for d in dims]
    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.7 * max(len(dims), 1)), dpi=120)
    left = [0] * len(dims)
    for status in STATUS_ORDER:
        values = [d.counts[status] for d in dims]
        bars = ax.barh(labels, values, left=left, color=COLOURS[status], label=status_label(status))
        for bar, v in zip(bars, values, strict=False):
            if v:
                ax.text(
                    bar.get_x() + bar.get_width() / 2,
                    bar.get_y() + bar.get_height() / 2,
                    str(v),
                    ha="center",
                    va="center",
                    fontsize=10,
                )
        left = [a + b for a, b in zip(left, values, strict=False)]
    ax.invert_yaxis()
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(_("items"))
    ax.set_title(title, fontsize=13)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=3, frameon=False, fontsize=10)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
