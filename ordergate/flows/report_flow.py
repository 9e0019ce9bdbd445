"""The daily operations report as a Prefect artifact (``daily-report``): the figures of
``processing.ops_report`` over the last 30 days, with their charts in the page."""

from __future__ import annotations

from prefect import flow, get_run_logger

from ordergate.app import open_engine
from ordergate.clock import utcnow
from ordergate.settings import Settings

REPORT_KEY = "ordergate-report"


@flow(name="daily-report")
def daily_report(days: int = 30) -> int:
    """Publish the report; the number of orders in it."""
    from prefect.artifacts import create_markdown_artifact

    from ordergate.processing.ops_report import build_report, default_period
    from ordergate.sinks.charts import data_uri, render_charts, report_markdown

    report = build_report(open_engine(Settings()), default_period(utcnow().date(), days))
    images = {name: data_uri(png) for name, png in render_charts(report).items()}
    create_markdown_artifact(key=REPORT_KEY, markdown=report_markdown(report, images),
                             description=f"Operations {report.since} – {report.until}")
    get_run_logger().info("report %s – %s: %d orders", report.since, report.until, report.orders)
    return report.orders
