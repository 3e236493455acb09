"""``sql2dynamo export``: a thin click command over :mod:`sql2dynamo.commands.export`."""

from __future__ import annotations

from pathlib import Path

import click

from sql2dynamo.cli.echo import progress_reporter, show_result
from sql2dynamo.cli.options import json_option, model_option, source_url_argument, summary_option
from sql2dynamo.commands.export import export


@click.command("export")
@source_url_argument()
@model_option()
@click.option("--to", "to_dir", required=True, metavar="DIR", help="Local directory for the files (then aws s3 sync).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["dynamodb-json", "ion"]),
    default="dynamodb-json",
    show_default=True,
    help="ImportTable's input format.",
)
@click.option(
    "--compress",
    "compression",
    type=click.Choice(["none", "gzip", "zstd"]),
    default="gzip",
    show_default=True,
    help="ImportTable's input compression (zstd: pip install 'sql2dynamo[export]').",
)
@click.option("--resume", is_flag=True, help="Continue an interrupted export into the same directory.")
@click.option("--only", metavar="T1,T2", help="Export only these source tables.")
@click.option("--segments", type=click.IntRange(min=1), default=4, show_default=True, help="Key ranges per table.")
@click.option("--workers", type=click.IntRange(min=1), default=4, show_default=True, help="Segments written at once.")
@click.option("--batch-size", type=click.IntRange(min=1), default=1000, show_default=True, help="Rows per read.")
@click.option(
    "--max-file-mb", type=click.IntRange(min=1), default=256, show_default=True, help="Roll files over at this size."
)
@summary_option()
@json_option()
def export_cmd(
    source_url: str,
    model_dir: Path,
    to_dir: str,
    fmt: str,
    compression: str,
    resume: bool,
    only: str | None,
    segments: int,
    workers: int,
    batch_size: int,
    max_file_mb: int,
    summary_path: Path | None,
    as_json: bool,
) -> None:
    """Write every item SOURCE_URL's rows become as DynamoDB ImportTable input files in --to DIR.

    One directory per DynamoDB table (upload DIR with `aws s3 sync`, then
    `deploy --import-from s3://bucket/prefix`), a manifest.json with each table's
    files, items, bytes and items hash, and the rejects.  Check the files first
    with `verify SOURCE_URL --from-export DIR`.
    """
    result = export(
        source_url,
        model_dir,
        to_dir,
        reporter=progress_reporter(),
        fmt=fmt,
        compression=compression,
        segments=segments,
        workers=workers,
        batch_size=batch_size,
        max_file_mb=max_file_mb,
        resume=resume,
        only=[n.strip() for n in (only or "").split(",") if n.strip()],
    )
    show_result(result, as_json=as_json, summary_path=summary_path)
