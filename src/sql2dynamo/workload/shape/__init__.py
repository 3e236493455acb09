"""What a SQL statement does, as data: the shape records and the parser that produces them."""
