"""``python -m sql2dynamo``."""

from sql2dynamo.cli.main import main

main()
