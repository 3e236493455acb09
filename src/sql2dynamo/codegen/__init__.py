"""Code generation: a typed data-access module from a DataModel and the access patterns it serves."""

from __future__ import annotations

from sql2dynamo.codegen.render import render_module
from sql2dynamo.codegen.spec import ModuleSpec, build_spec

__all__ = ["ModuleSpec", "build_spec", "render_module"]
