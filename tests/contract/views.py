"""What the contract tests compare: a model as deploy, migrate and verify see it, and data as a file holds it."""

from __future__ import annotations

import json
from typing import Any

from sql2dynamo.design.model import DataModel, model_to_dict


def plain(data: Any) -> Any:
    """As a file holds it (tuples are lists)."""
    return json.loads(json.dumps(data))


def migration_view(model: DataModel, *, modernizr: bool) -> list[dict[str, Any]]:
    """What deploy, migrate and verify use of a model; reasons are prose neither form must keep."""
    out = []
    for t in model_to_dict(model)["tables"]:
        for k in ("satisfies", "purpose", "stream", "point_in_time_recovery"):
            t.pop(k)
        for k in ("pk", "sk"):  # a single table's own template is descriptive: its entities' are used
            if t[k] is not None:
                t[k] = {"attribute": t[k]["attribute"], "type": t[k]["type"]}
        for ix in t["indexes"]:
            ix.pop("serves")
            ix.pop("projection_reason")
            if ix["sparse"]:
                ix["sparse"]["reason"] = ""
        for e in t["entities"]:
            e["attributes"].sort(key=lambda a: a["name"])
            if e["ttl"]:
                e["ttl"]["reason"] = ""
            for c in e["sparse_keys"].values():
                c["reason"] = ""
            if modernizr:  # NOT_CARRIED: nullability
                for a in e["attributes"]:
                    a["nullable"] = True
        out.append(t)
    return out
