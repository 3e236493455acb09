"""The ``access_patterns.yaml`` file: the patterns as data, reading it strictly, writing and merging mined patterns."""
