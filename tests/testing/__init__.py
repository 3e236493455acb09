"""Tests of ``sql2dynamo.testing``: the support code the tests and benchmarks share."""
