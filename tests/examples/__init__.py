"""Tests of the worked examples shipped in ``sql2dynamo.examples``."""
