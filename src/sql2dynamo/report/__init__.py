"""The self-contained HTML report of a model and, optionally, of its migration and its proofs.

Plan as data, rendering apart: :func:`~sql2dynamo.report.gather.gather`
builds a frozen :class:`~sql2dynamo.report.data.ReportData` from the model,
the patterns' SQL, sample items (:mod:`.samples`) and the parsed JSON of
``validate``, ``verify`` and ``migrate`` (:mod:`.inputs`);
:func:`~sql2dynamo.report.render.render_report` turns it into one HTML
document that loads nothing (inline style, inline SVG, a few lines of inline
script).  The command is :func:`sql2dynamo.commands.report.report`.
"""

from collections.abc import Mapping

from sql2dynamo.design.model import DataModel
from sql2dynamo.report.data import ReportData
from sql2dynamo.report.gather import gather
from sql2dynamo.report.render import render_report
from sql2dynamo.report.samples import synthesized_samples

__all__ = ["REPORT_FILE", "ReportData", "gather", "model_report_html", "render_report"]

REPORT_FILE = "report.html"
"""The report's name where ``design`` (model only) and ``demo`` (everything) write it."""


def model_report_html(model: DataModel, sql: Mapping[str, str] | None = None) -> str:
    """The report of a model alone (illustrative sample items, no run results): what ``design`` writes."""
    return render_report(gather(model, sql=sql, samples=synthesized_samples(model)))
