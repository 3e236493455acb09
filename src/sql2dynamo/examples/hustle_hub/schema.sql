-- Hustle Hub: the source schema, PostgreSQL DDL.
-- Rendered by sql2dynamo.examples.render_schema_sql from the example's SQLAlchemy metadata;
-- do not edit: change the metadata and run `python -m sql2dynamo.examples`.

CREATE TABLE categories (
    id SERIAL NOT NULL,
    slug VARCHAR(80) NOT NULL,
    name VARCHAR(100) NOT NULL,
    description TEXT,
    sort_order INTEGER NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (id),
    UNIQUE (slug)
);

CREATE TABLE users (
    id UUID NOT NULL,
    cognito_sub VARCHAR(64) NOT NULL,
    email VARCHAR(254) NOT NULL,
    display_name VARCHAR(100),
    is_admin BOOLEAN NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (id),
    UNIQUE (cognito_sub),
    UNIQUE (email)
);

CREATE TABLE listings (
    id SERIAL NOT NULL,
    category_id INTEGER NOT NULL,
    slug VARCHAR(120) NOT NULL,
    title VARCHAR(200) NOT NULL,
    description TEXT NOT NULL,
    location VARCHAR(100) NOT NULL,
    skills TEXT NOT NULL,
    income_potential VARCHAR(50) NOT NULL,
    is_published BOOLEAN NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY(category_id) REFERENCES categories (id),
    UNIQUE (slug)
);

CREATE INDEX ix_listings_category_created ON listings (category_id, created_at);

CREATE TABLE favourites (
    user_id UUID NOT NULL,
    listing_id INTEGER NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (user_id, listing_id),
    FOREIGN KEY(user_id) REFERENCES users (id),
    FOREIGN KEY(listing_id) REFERENCES listings (id)
);

CREATE INDEX ix_favourites_listing_id ON favourites (listing_id);

CREATE TABLE listing_slug_history (
    old_slug VARCHAR(120) NOT NULL,
    listing_id INTEGER NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (old_slug),
    FOREIGN KEY(listing_id) REFERENCES listings (id)
);

CREATE INDEX ix_listing_slug_history_listing_id ON listing_slug_history (listing_id);
