"""The command line: a thin layer over sql2dynamo.commands."""
