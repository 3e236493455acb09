"""``migrationContract.json``: building it from the DataModel, its uniqueness part, validating it, writing it."""
