import sqlalchemy as sa


def test_chinook_loaded_everywhere(chinook_url: str) -> None:
    engine = sa.create_engine(chinook_url)
    with engine.connect() as conn:
        names = set(sa.inspect(conn).get_table_names())
    assert len(names) == 11
