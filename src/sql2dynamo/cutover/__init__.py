"""Zero-downtime cut-over: the phases from dual-write to decommission, their gates and status."""
