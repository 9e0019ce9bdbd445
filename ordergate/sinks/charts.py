"""The operations report as pictures and a page: PNG charts (matplotlib, no display needed)
and the Markdown that shows them with the figures.

Pure: an ``OpsReport`` in, bytes and text out. Customer ids and hold reasons come from master
data and senders: the Markdown shows them as literal text (``markdown_text``).
"""

from __future__ import annotations

import base64
import io

from ordergate.printable import markdown_text as _md

CHARTS = ("orders_per_day", "touchless", "hold_reasons", "ack_seconds")


def render_charts(report) -> dict[str, bytes]:
    """One PNG per chart that has data, by name."""
    import matplotlib

    matplotlib.use("Agg")  # files only: no display on a server
    import matplotlib.pyplot as plt

    charts: dict[str, bytes] = {}

    def save(name: str, figure) -> None:
        buffer = io.BytesIO()
        figure.tight_layout()
        figure.savefig(buffer, format="png", dpi=80)
        plt.close(figure)
        charts[name] = buffer.getvalue()

    if report.orders_per_day:
        days = sorted({row["day"] for row in report.orders_per_day})
        channels = sorted({row["channel"] for row in report.orders_per_day})
        figure, axes = plt.subplots(figsize=(7, 3))
        bottom = [0] * len(days)
        for channel in channels:
            counts = {row["day"]: row["orders"] for row in report.orders_per_day
                      if row["channel"] == channel}
            heights = [counts.get(day, 0) for day in days]
            axes.bar(days, heights, bottom=bottom, label=channel)
            bottom = [b + h for b, h in zip(bottom, heights)]
        axes.set_title("Orders per day by channel")
        axes.legend(fontsize=8)
        axes.tick_params(axis="x", labelrotation=45, labelsize=7)
        save("orders_per_day", figure)
    if report.touchless_by_channel:
        figure, axes = plt.subplots(figsize=(5, 3))
        axes.bar([row["channel"] for row in report.touchless_by_channel],
                 [row["rate"] * 100 for row in report.touchless_by_channel])
        axes.set_ylim(0, 100)
        axes.set_title("Touchless orders by channel (%)")
        save("touchless", figure)
    if report.hold_reasons:
        rows = report.hold_reasons[:10]
        figure, axes = plt.subplots(figsize=(7, 3))
        axes.bar(range(len(rows)), [row["count"] for row in rows])
        axes.set_xticks(range(len(rows)), [row["reason"][:24] for row in rows], rotation=30,
                        ha="right", fontsize=7)
        line = axes.twinx()
        line.plot(range(len(rows)), [row["cumulative"] * 100 for row in rows], color="black",
                  marker="o")
        line.set_ylim(0, 105)
        axes.set_title("Hold reasons (Pareto)")
        save("hold_reasons", figure)
    if report.ack_seconds:
        figure, axes = plt.subplots(figsize=(5, 3))
        names = [row["channel"] for row in report.ack_seconds]
        positions = range(len(names))
        axes.bar([p - 0.2 for p in positions], [row["p50"] for row in report.ack_seconds],
                 width=0.4, label="p50")
        axes.bar([p + 0.2 for p in positions], [row["p95"] for row in report.ack_seconds],
                 width=0.4, label="p95")
        axes.set_xticks(list(positions), names)
        axes.set_title("Receipt to acknowledgement (s)")
        axes.legend(fontsize=8)
        save("ack_seconds", figure)
    return charts


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def report_markdown(report, images: dict[str, str]) -> str:
    """The page: each figure as a table, each chart as an image (``images``: name → URL)."""
    lines = [f"# Operations report {report.since} – {report.until}", "",
             f"{report.orders} orders in the period.", ""]

    def image(name: str) -> None:
        if name in images:
            lines.extend([f"![{name}]({images[name]})", ""])

    def table(headers: list[str], rows: list[list]) -> None:
        lines.append("| " + " | ".join(headers) + " |")
        lines.append("|" + "---|" * len(headers))
        lines.extend("| " + " | ".join(_md(cell) for cell in row) + " |" for row in rows)
        lines.append("")

    lines += ["## Orders per day by channel", ""]
    image("orders_per_day")
    table(["day", "channel", "orders"],
          [[r["day"], r["channel"], r["orders"]] for r in report.orders_per_day])
    lines += ["## Touchless rate (accepted without a person)", ""]
    image("touchless")
    table(["channel", "orders", "touchless", "rate"],
          [[r["channel"], r["orders"], r["touchless"], _percent(r["rate"])]
           for r in report.touchless_by_channel])
    table(["customer", "orders", "touchless", "rate"],
          [[r["customer_id"], r["orders"], r["touchless"], _percent(r["rate"])]
           for r in report.touchless_by_customer])
    lines += ["## Hold reasons", ""]
    image("hold_reasons")
    table(["reason", "count", "share", "cumulative"],
          [[r["reason"], r["count"], _percent(r["share"]), _percent(r["cumulative"])]
           for r in report.hold_reasons])
    lines += ["## Receipt to acknowledgement", ""]
    image("ack_seconds")
    table(["channel", "orders", "p50 (s)", "p95 (s)"],
          [[r["channel"], r["orders"], r["p50"], r["p95"]] for r in report.ack_seconds])
    lines += ["## Shipping", "",
              f"Fill rate (shipped ÷ ordered, {report.shipped_orders} orders that shipped): "
              f"{_percent(report.fill_rate) if report.fill_rate is not None else '-'}; "
              f"order to first shipment: p50 {report.hours_to_ship.get('p50', '-')} h, "
              f"p95 {report.hours_to_ship.get('p95', '-')} h.", "",
              "## Stock below its reorder point", ""]
    table(["sku", "available", "reorder point"],
          [[r["sku"], r["available"], r["reorder_point"]] for r in report.below_reorder_point])
    return "\n".join(lines)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f} %"
