"""The report's sections, one module each: model, patterns, cost, decisions, proof."""
