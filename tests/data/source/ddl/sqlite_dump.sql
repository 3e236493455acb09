PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE IF NOT EXISTS "users" (
    id INTEGER PRIMARY KEY,
    "e-mail" TEXT NOT NULL UNIQUE ON CONFLICT IGNORE,
    nick VARYING CHARACTER(30) COLLATE NOCASE,
    score UNSIGNED BIG INT DEFAULT 0,
    blob_thing,
    ratio NUMERIC,
    born DATE CHECK (born > '1900-01-01')
);
INSERT INTO users VALUES(1,'a@x.io','ann',1,NULL,1.5,'2000-01-01');
INSERT INTO users VALUES(2,'b@x.io','it''s; me',2,X'00ff',NULL,NULL);
CREATE TABLE [Order Items] (
    [order id] INTEGER NOT NULL REFERENCES users ON DELETE CASCADE,
    `line` INT NOT NULL,
    qty INT DEFAULT (1),
    PRIMARY KEY ([order id] DESC, line) ON CONFLICT REPLACE
) WITHOUT ROWID;
CREATE TABLE counters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT
);
CREATE TABLE kv (k TEXT, v TEXT);
CREATE TABLE sqlite_sequence(name,seq);
CREATE UNIQUE INDEX users_nick ON users (nick COLLATE NOCASE DESC);
CREATE INDEX IF NOT EXISTS main.items_qty ON [Order Items](qty) WHERE qty > 1;
CREATE TRIGGER users_audit AFTER UPDATE OF nick ON users
BEGIN
  INSERT INTO counters(name) VALUES ('nick changed; ' || NEW.nick);
  UPDATE counters SET name = CASE WHEN name IS NULL THEN 'x' ELSE name END;
END;
CREATE VIEW active_users AS SELECT * FROM users WHERE score > 0;
CREATE VIRTUAL TABLE docs USING fts5(title, body);
COMMIT;
