"""Compatibility only: the fault proxy is ``sql2dynamo.testing.proxy`` now (issue 12).  Delete with proxy.py."""
