"""Chinook: the classic sample database of an online music store, with generated rows.

The eleven tables, columns, keys and index names are those of
``Chinook_PostgreSql.sql`` (snake_case; ids are plain INT keys, not serials,
and customer e-mails carry no unique constraint, as in the original).  The
rows are generated, not the original data: ``rows`` is the number of
customers, and the catalogue (about half as many artists, ten tracks per
artist album), invoices (two to ten per customer) and playlists scale with it.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from sql2dynamo.examples.dataset import Example

metadata = sa.MetaData()


def _id(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.Integer, nullable=False, autoincrement=False)


def _fk(table: str, column: str, target: str) -> tuple[sa.ForeignKeyConstraint, sa.Index]:
    """A foreign key and its index, named as Chinook_PostgreSql.sql names them."""
    return (
        sa.ForeignKeyConstraint([column], [target], name=f"{table}_{column}_fkey"),
        sa.Index(f"{table}_{column}_idx", column),
    )


def _address(prefix: str = "") -> list[sa.Column[Any]]:
    return [
        sa.Column(f"{prefix}address", sa.String(70)),
        sa.Column(f"{prefix}city", sa.String(40)),
        sa.Column(f"{prefix}state", sa.String(40)),
        sa.Column(f"{prefix}country", sa.String(40)),
        sa.Column(f"{prefix}postal_code", sa.String(10)),
    ]


album = sa.Table(
    "album",
    metadata,
    _id("album_id"),
    sa.Column("title", sa.String(160), nullable=False),
    sa.Column("artist_id", sa.Integer, nullable=False),
    sa.PrimaryKeyConstraint("album_id", name="album_pkey"),
    *_fk("album", "artist_id", "artist.artist_id"),
)
artist = sa.Table(
    "artist",
    metadata,
    _id("artist_id"),
    sa.Column("name", sa.String(120)),
    sa.PrimaryKeyConstraint("artist_id", name="artist_pkey"),
)
customer = sa.Table(
    "customer",
    metadata,
    _id("customer_id"),
    sa.Column("first_name", sa.String(40), nullable=False),
    sa.Column("last_name", sa.String(20), nullable=False),
    sa.Column("company", sa.String(80)),
    *_address(),
    sa.Column("phone", sa.String(24)),
    sa.Column("fax", sa.String(24)),
    sa.Column("email", sa.String(60), nullable=False),
    sa.Column("support_rep_id", sa.Integer),
    sa.PrimaryKeyConstraint("customer_id", name="customer_pkey"),
    *_fk("customer", "support_rep_id", "employee.employee_id"),
)
employee = sa.Table(
    "employee",
    metadata,
    _id("employee_id"),
    sa.Column("last_name", sa.String(20), nullable=False),
    sa.Column("first_name", sa.String(20), nullable=False),
    sa.Column("title", sa.String(30)),
    sa.Column("reports_to", sa.Integer),
    sa.Column("birth_date", sa.DateTime),
    sa.Column("hire_date", sa.DateTime),
    *_address(),
    sa.Column("phone", sa.String(24)),
    sa.Column("fax", sa.String(24)),
    sa.Column("email", sa.String(60)),
    sa.PrimaryKeyConstraint("employee_id", name="employee_pkey"),
    *_fk("employee", "reports_to", "employee.employee_id"),
)
genre = sa.Table(
    "genre",
    metadata,
    _id("genre_id"),
    sa.Column("name", sa.String(120)),
    sa.PrimaryKeyConstraint("genre_id", name="genre_pkey"),
)
invoice = sa.Table(
    "invoice",
    metadata,
    _id("invoice_id"),
    sa.Column("customer_id", sa.Integer, nullable=False),
    sa.Column("invoice_date", sa.DateTime, nullable=False),
    *_address("billing_"),
    sa.Column("total", sa.Numeric(10, 2), nullable=False),
    sa.PrimaryKeyConstraint("invoice_id", name="invoice_pkey"),
    *_fk("invoice", "customer_id", "customer.customer_id"),
)
invoice_line = sa.Table(
    "invoice_line",
    metadata,
    _id("invoice_line_id"),
    sa.Column("invoice_id", sa.Integer, nullable=False),
    sa.Column("track_id", sa.Integer, nullable=False),
    sa.Column("unit_price", sa.Numeric(10, 2), nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.PrimaryKeyConstraint("invoice_line_id", name="invoice_line_pkey"),
    *_fk("invoice_line", "invoice_id", "invoice.invoice_id"),
    *_fk("invoice_line", "track_id", "track.track_id"),
)
media_type = sa.Table(
    "media_type",
    metadata,
    _id("media_type_id"),
    sa.Column("name", sa.String(120)),
    sa.PrimaryKeyConstraint("media_type_id", name="media_type_pkey"),
)
playlist = sa.Table(
    "playlist",
    metadata,
    _id("playlist_id"),
    sa.Column("name", sa.String(120)),
    sa.PrimaryKeyConstraint("playlist_id", name="playlist_pkey"),
)
playlist_track = sa.Table(
    "playlist_track",
    metadata,
    _id("playlist_id"),
    _id("track_id"),
    sa.PrimaryKeyConstraint("playlist_id", "track_id", name="playlist_track_pkey"),
    *_fk("playlist_track", "playlist_id", "playlist.playlist_id"),
    *_fk("playlist_track", "track_id", "track.track_id"),
)
track = sa.Table(
    "track",
    metadata,
    _id("track_id"),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("album_id", sa.Integer),
    sa.Column("media_type_id", sa.Integer, nullable=False),
    sa.Column("genre_id", sa.Integer),
    sa.Column("composer", sa.String(220)),
    sa.Column("milliseconds", sa.Integer, nullable=False),
    sa.Column("bytes", sa.Integer),
    sa.Column("unit_price", sa.Numeric(10, 2), nullable=False),
    sa.PrimaryKeyConstraint("track_id", name="track_pkey"),
    *_fk("track", "album_id", "album.album_id"),
    *_fk("track", "genre_id", "genre.genre_id"),
    *_fk("track", "media_type_id", "media_type.media_type_id"),
)

GENRES = ("Rock", "Jazz", "Blues", "Pop", "Classical", "Electronic", "Hip Hop", "Folk", "Reggae", "Soul")
MEDIA_TYPES = ("MP3 audio", "AAC audio", "FLAC audio", "Ogg Vorbis audio", "MPEG-4 video")
WORDS = ("night", "river", "blue", "fire", "dream", "city", "light", "road", "heart", "storm", "gold")
FIRST = ("Ana", "Ben", "Chloe", "Dev", "Eva", "Femi", "Gus", "Hana", "Ivo", "Jia", "Kai", "Lena")
LAST = ("Abbott", "Berg", "Costa", "Diaz", "Evans", "Fischer", "Gupta", "Hale", "Ito", "Jensen")
PLACES = (
    ("Lisbon", None, "Portugal"),
    ("Austin", "TX", "USA"),
    ("Oslo", None, "Norway"),
    ("Pune", "MH", "India"),
)
EPOCH = dt.datetime(2021, 1, 1)
STAFF = (  # (title, reports_to): a manager, two sales managers, five support agents
    ("General Manager", None),
    ("Sales Manager", 1),
    ("IT Manager", 1),
    *(("Sales Support Agent", 2),) * 5,
)


def _words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(count)).title()


def _person(rng: random.Random, i: int, domain: str) -> dict[str, Any]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    city, state, country = rng.choice(PLACES)
    return {
        "first_name": first,
        "last_name": last,
        "address": f"{rng.randint(1, 400)} {_words(rng, 1)} Street",
        "city": city,
        "state": state,
        "country": country,
        "postal_code": f"{rng.randint(1000, 99999)}",
        "phone": f"+1 555 {rng.randint(1000000, 9999999)}",
        "fax": None,
        "email": f"{first}.{last}{i}@{domain}".lower(),
    }


def build_rows(rng: random.Random, rows: int) -> dict[str, list[dict[str, Any]]]:
    """The rows of the Chinook tables for ``rows`` customers, by table (explicit ids)."""
    data: dict[str, list[dict[str, Any]]] = {
        "genre": [{"genre_id": i, "name": n} for i, n in enumerate(GENRES, start=1)],
        "media_type": [{"media_type_id": i, "name": n} for i, n in enumerate(MEDIA_TYPES, start=1)],
        "employee": [
            {
                "employee_id": i,
                **_person(rng, i, "chinookcorp.example"),
                "title": title,
                "reports_to": boss,
                "birth_date": dt.datetime(1960 + rng.randint(0, 35), rng.randint(1, 12), 1),
                "hire_date": EPOCH - dt.timedelta(days=rng.randint(100, 3000)),
            }
            for i, (title, boss) in enumerate(STAFF, start=1)
        ],
    }
    agents = [e["employee_id"] for e in data["employee"] if e["title"] == "Sales Support Agent"]
    data["artist"] = [{"artist_id": i, "name": f"The {_words(rng, 2)}"} for i in range(1, max(3, rows // 2) + 1)]
    data["album"], data["track"] = [], []
    for artist_row in data["artist"]:
        for _ in range(rng.randint(1, 3)):
            album_id = len(data["album"]) + 1
            data["album"].append({"album_id": album_id, "title": _words(rng, 3), "artist_id": artist_row["artist_id"]})
            genre_id = rng.randint(1, len(GENRES))
            for _ in range(rng.randint(5, 14)):
                video = rng.random() < 0.05
                ms = rng.randint(120_000, 420_000)
                data["track"].append(
                    {
                        "track_id": len(data["track"]) + 1,
                        "name": _words(rng, rng.randint(1, 4)),
                        "album_id": album_id,
                        "media_type_id": 5 if video else rng.randint(1, 4),
                        "genre_id": genre_id,
                        "composer": f"{rng.choice(FIRST)} {rng.choice(LAST)}" if rng.random() < 0.7 else None,
                        "milliseconds": ms,
                        "bytes": ms * 32,
                        "unit_price": Decimal("1.99") if video else Decimal("0.99"),
                    }
                )
    n_tracks = len(data["track"])
    data["playlist"] = [{"playlist_id": i, "name": _words(rng, 2)} for i in range(1, max(2, rows // 10) + 1)]
    data["playlist_track"] = [
        {"playlist_id": p["playlist_id"], "track_id": t}
        for p in data["playlist"]
        for t in sorted(rng.sample(range(1, n_tracks + 1), min(n_tracks, rng.randint(10, 40))))
    ]
    data["customer"], data["invoice"], data["invoice_line"] = [], [], []
    for i in range(1, rows + 1):
        person = _person(rng, i, "example.com")
        company = f"{_words(rng, 1)} Records" if rng.random() < 0.2 else None
        data["customer"].append({"customer_id": i, **person, "company": company, "support_rep_id": rng.choice(agents)})
        for _ in range(rng.randint(2, 10)):
            invoice_id = len(data["invoice"]) + 1
            total = Decimal("0.00")
            for track_id in rng.sample(range(1, n_tracks + 1), min(n_tracks, rng.randint(1, 9))):
                price = data["track"][track_id - 1]["unit_price"]
                total += price
                data["invoice_line"].append(
                    {
                        "invoice_line_id": len(data["invoice_line"]) + 1,
                        "invoice_id": invoice_id,
                        "track_id": track_id,
                        "unit_price": price,
                        "quantity": 1,
                    }
                )
            data["invoice"].append(
                {
                    "invoice_id": invoice_id,
                    "customer_id": i,
                    "invoice_date": EPOCH + dt.timedelta(days=rng.randint(0, 4 * 365)),
                    **{f"billing_{k}": person[k] for k in ("address", "city", "state", "country", "postal_code")},
                    "total": total,
                }
            )
    return data


EXAMPLE = Example(
    name="chinook",
    title="Chinook",
    dialect="postgresql",
    metadata=metadata,
    build_rows=build_rows,
    package=__name__,
    rows_unit="customers",
)
