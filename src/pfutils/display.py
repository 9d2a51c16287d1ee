"""Figures that notebooks show inline: samples with their images and texts side by side."""
from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt


def samples_figure(rows: list[dict], columns: tuple[str, ...] = ("instruction", "response"), width: int = 60,
                   max_chars: int = 400):
    """One row per sample: its images, then the chosen text fields, wrapped."""
    n_images = max(1, max(len(r["images"]) for r in rows))
    fig, axes = plt.subplots(len(rows), n_images + 1, figsize=(2 * n_images + 7, 2.2 * len(rows)),
                             gridspec_kw={"width_ratios": [1] * n_images + [3.5]}, squeeze=False)
    for row, ax_row in zip(rows, axes):
        for k, ax in enumerate(ax_row[:-1]):
            ax.axis("off")
            if k < len(row["images"]):
                ax.imshow(row["images"][k])
        text = "\n".join(f"{c}: " + textwrap.fill(str(row[c])[:max_chars], width, subsequent_indent="  ")
                         for c in columns if row.get(c))
        ax_row[-1].axis("off")
        ax_row[-1].text(0, 1, f"[{row['id']}]\n{text}", va="top", ha="left", fontsize=7, family="monospace",
                        transform=ax_row[-1].transAxes)
    fig.tight_layout()
    return fig
