"""``deploy`` and ``destroy``: inspect what the target has, plan each table as data, then apply the plan."""
