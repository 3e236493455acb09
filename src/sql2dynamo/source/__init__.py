"""Source stage: read a relational database (or a DDL file) into a frozen Schema."""
