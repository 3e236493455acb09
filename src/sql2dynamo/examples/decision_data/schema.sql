-- Decision Data: the source schema, PostgreSQL DDL.
-- Rendered by sql2dynamo.examples.render_schema_sql from the example's SQLAlchemy metadata;
-- do not edit: change the metadata and run `python -m sql2dynamo.examples`.

CREATE TABLE users (
    user_id UUID NOT NULL,
    email VARCHAR(254) NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    key_salt VARCHAR(64) NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (user_id),
    UNIQUE (email)
);

CREATE TABLE audio_files (
    file_id UUID NOT NULL,
    user_id UUID NOT NULL,
    s3_key VARCHAR(1024) NOT NULL,
    file_size BIGINT NOT NULL,
    uploaded_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (file_id),
    FOREIGN KEY(user_id) REFERENCES users (user_id)
);

CREATE INDEX ix_audio_files_user_uploaded ON audio_files (user_id, uploaded_at);
