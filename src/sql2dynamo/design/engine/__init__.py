"""The design engine: routing (which key or index serves each pattern), tables, plans, and the build that joins them."""
