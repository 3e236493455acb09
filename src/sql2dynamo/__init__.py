"""sql2dynamo: move an application from a relational database to Amazon DynamoDB.

The public Python API is the set of command functions in :mod:`sql2dynamo.commands`
(the CLI is a thin layer over them) and the frozen dataclasses each stage returns.
"""

__version__ = "0.1.0"
