"""Write a benchmark's results as JSON, a markdown table and a PNG plot under bench/results/."""

from __future__ import annotations

import json
import platform
from datetime import datetime, timezone
from pathlib import Path

RESULTS = Path(__file__).parent / "results"


def machine() -> dict[str, str | int]:
    import os

    return {"python": platform.python_version(), "machine": platform.machine(), "cores": os.cpu_count() or 0}


def write(
    name: str, title: str, rows: list[dict], columns: list[tuple[str, str]], notes: str = "", extra: dict | None = None
) -> Path:
    """Store rows (one dict each) as results/<name>.json and results/<name>.md; return the JSON path.
    `extra` goes into the JSON only (raw samples, settings)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    payload = {"benchmark": name, "title": title, "when": stamp, "machine": machine(), "rows": rows, "notes": notes}
    payload.update(extra or {})
    json_path = RESULTS / f"{name}.json"
    json_path.write_text(json.dumps(payload, indent=2) + "\n")
    host = machine()
    lines = [f"# {title}", "", f"{stamp}; Python {host['python']}, {host['machine']}, {host['cores']} cores", ""]
    lines.append("| " + " | ".join(label for _, label in columns) + " |")
    lines.append("|" + "---|" * len(columns))
    for row in rows:
        lines.append("| " + " | ".join(_cell(row.get(key)) for key, _ in columns) + " |")
    if notes:
        lines += ["", notes]
    (RESULTS / f"{name}.md").write_text("\n".join(lines) + "\n")
    return json_path


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return "" if value is None else str(value)


def bar_plot(name: str, title: str, labels: list[str], series: dict[str, list[float]], ylabel: str) -> Path:
    """A grouped bar chart: one group per label, one bar per series."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4))
    width = 0.8 / max(len(series), 1)
    for index, (series_name, values) in enumerate(series.items()):
        axes.bar([i + index * width for i in range(len(labels))], values, width, label=series_name)
    axes.set_xticks([i + width * (len(series) - 1) / 2 for i in range(len(labels))], labels)
    axes.set_ylabel(ylabel)
    axes.set_title(title)
    axes.legend()
    figure.tight_layout()
    path = RESULTS / f"{name}.png"
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path
