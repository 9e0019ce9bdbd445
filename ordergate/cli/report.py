"""``ordergate report``: the operations report for a period, printed, as JSON, or written to a
folder with its charts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ordergate.cli.command import EXIT_OK, Command, ready_engine
from ordergate.cli.options import add_json
from ordergate.cli.output import say
from ordergate.errors import UsageError


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{text!r} is not a date (YYYY-MM-DD)") from None


class Report(Command):
    name = "report"
    help = ("orders per day, touchless rate, hold reasons, time to acknowledge and to ship, "
            "stock below its reorder point")

    def configure(self, parser):
        parser.add_argument("--since", type=_day, help="first day (default: 30 days ago)")
        parser.add_argument("--until", type=_day, help="last day (default: today)")
        parser.add_argument("--out", type=Path, help="write report.md, report.json and the "
                                                      "charts (PNG) into this folder")
        add_json(parser, help="print the figures as one JSON object")

    def run(self, args, settings):
        from ordergate.clock import utcnow
        from ordergate.processing.ops_report import Period, build_report, default_period
        from ordergate.sinks.charts import render_charts, report_markdown

        period = default_period(utcnow().date())
        period = Period(since=args.since or period.since, until=args.until or period.until)
        if period.since > period.until:
            raise UsageError(f"--since {period.since} is after --until {period.until}")
        report = build_report(ready_engine(settings), period)
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            charts = render_charts(report)
            for name, png in charts.items():
                (args.out / f"{name}.png").write_bytes(png)
            (args.out / "report.md").write_text(
                report_markdown(report, {name: f"{name}.png" for name in charts}), encoding="utf-8")
            (args.out / "report.json").write_text(report.to_json(), encoding="utf-8")
        if args.json:
            print(report.to_json())
        else:
            say(report_markdown(report, {}))
            if args.out:
                say(f"written to {args.out}")
        return EXIT_OK
