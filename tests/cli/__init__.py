"""The command line through ``sql2dynamo.cli.main``: exit codes, one-line errors, stdout and stderr."""
