"""``sql2dynamo codegen``: a typed data-access module generated from a model and its access patterns.

``data_model.json`` holds the plans; the SQL they replace (whose parameters
become the methods' arguments) is in the ``access_patterns.yaml`` the model
was designed from: by default the one beside the model (where ``demo``
leaves it), else ``--patterns FILE``.  The module is rendered in memory and
written atomically, so a failure leaves the old file, or none, never half of
one; the same inputs always give the same bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sql2dynamo.codegen import build_spec, render_module
from sql2dynamo.codegen.spec import ModuleSpec
from sql2dynamo.common.errors import InputError, UsageError
from sql2dynamo.common.fsutil import atomic_write_text
from sql2dynamo.common.reporting import Reporter
from sql2dynamo.common.results import Result
from sql2dynamo.target.model_file import load_model, model_file
from sql2dynamo.workload.patterns.model import FILE_NAME as PATTERNS_FILE
from sql2dynamo.workload.patterns.read import load_patterns

LANGUAGES = ("python",)


@dataclass(frozen=True)
class CodegenResult(Result):
    """What was generated, and where."""

    model_path: Path
    patterns_path: Path
    output: Path
    lang: str
    spec: ModuleSpec
    sha256: str
    size_bytes: int

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary (for ``--summary FILE.json``)."""
        s = self.spec
        return {
            "command": "codegen",
            "lang": self.lang,
            "model": str(self.model_path),
            "patterns": str(self.patterns_path),
            "output": str(self.output),
            "sha256": self.sha256,
            "bytes": self.size_bytes,
            "repository_class": s.repository_class,
            "classes": [c.name for c in (*s.entities, *s.rows)],
            "methods": [
                {"pattern_id": m.pattern_id, "method": m.name, "returns": m.result, "supported": m.supported}
                for m in s.methods
            ],
            "skipped": [{"pattern_id": p, "reason": why} for p, why in s.skipped],
        }

    def describe(self, out: Reporter) -> None:
        """The patterns without a method or support, then one closing line."""
        s = self.spec
        for pid, why in s.skipped:
            out.warning(f"{pid}: no method ({why})")
        unsupported = [m.pattern_id for m in s.methods if not m.supported]
        if unsupported:
            out.warning(f"unsupported patterns (their methods raise UnsupportedPattern): {', '.join(unsupported)}")
        out.info(
            f"wrote {self.output}: {len(s.entities) + len(s.rows)} dataclasses, {len(s.methods)} methods "
            f"on {s.repository_class}"
        )


@dataclass(frozen=True)
class Generated:
    """A module rendered in memory: its text, what it holds, and the files it came from."""

    model_path: Path
    patterns_path: Path
    spec: ModuleSpec
    text: str


def generate(model_dir: Path, *, patterns: Path | None = None, lang: str = "python") -> Generated:
    """The generated module for the model in ``model_dir``; writes nothing."""
    if lang not in LANGUAGES:
        raise UsageError(f"unknown --lang {lang!r}", hint=f"use one of: {', '.join(LANGUAGES)}")
    model_path, model = load_model(model_dir)
    patterns_path = patterns if patterns is not None else model_file(model_dir).parent / PATTERNS_FILE
    if patterns is None and not patterns_path.exists():
        raise InputError(
            f"{patterns_path} does not exist: codegen needs the access patterns the model was designed from",
            hint="pass --patterns FILE (the access_patterns.yaml given to design)",
        )
    patterns_file = load_patterns(patterns_path)
    if patterns_file.application != model.application:
        raise InputError(
            f"{patterns_path} is for application {patterns_file.application!r}, "
            f"but {model_path} models {model.application!r}",
            hint="pass the --patterns file the model was designed from",
        )
    spec = build_spec(model, patterns_file)
    text = render_module(spec, source=model_path.name)
    return Generated(model_path, patterns_path, spec, text)


def codegen(
    model_dir: Path,
    output: Path,
    *,
    reporter: Reporter,
    lang: str = "python",
    patterns: Path | None = None,
) -> CodegenResult:
    """Generate the ``lang`` module for the model in ``model_dir`` and write it to ``output`` atomically."""
    if output.is_dir():
        raise UsageError(f"-o {output} is a directory", hint="give the path of the module to write, e.g. repo.py")
    gen = generate(model_dir, patterns=patterns, lang=lang)
    spec, text = gen.spec, gen.text
    try:
        atomic_write_text(output, text)
    except OSError as exc:
        raise UsageError(
            f"cannot write {output}: {exc.strerror or exc}", hint="choose a writable path for -o"
        ) from None
    data = text.encode("utf-8")
    return CodegenResult(
        gen.model_path, gen.patterns_path, output, lang, spec, hashlib.sha256(data).hexdigest(), len(data)
    )
