"""``python -m sql2dynamo.examples [--check]``: rewrite (or check) every example's ``schema.sql``.

The files are written where the package lives, so run it from an editable
install (``pip install -e .``) to update the source tree.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sql2dynamo.common.fsutil import atomic_write_text
from sql2dynamo.examples import EXAMPLES, render_schema_sql


def main(argv: list[str] | None = None) -> int:
    """Regenerate the packaged ``schema.sql`` files; with ``--check``, only report stale ones (exit 1)."""
    parser = argparse.ArgumentParser(prog="python -m sql2dynamo.examples", description=__doc__)
    parser.add_argument("--check", action="store_true", help="only check that the files are current")
    args = parser.parse_args(argv)
    stale = 0
    for example in EXAMPLES.values():
        path = Path(str(example.schema_sql))
        text = render_schema_sql(example)
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale += 1
        if args.check:
            print(f"stale: {path}", file=sys.stderr)
        else:
            atomic_write_text(path, text)
            print(f"wrote {path}", file=sys.stderr)
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
