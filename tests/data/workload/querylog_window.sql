-- A query log with a window header and call counts (see workload/querylog.py).
-- window_seconds: 3600

-- calls: 1200
SELECT * FROM customer WHERE email = 'ann@example.com';

-- calls: 300
SELECT * FROM invoice
 WHERE customer_id = 7
 ORDER BY invoice_date DESC
 LIMIT 20;

-- The same statement with other values: one pattern, 100 + 50 calls.
-- calls: 100
INSERT INTO invoice (customer_id, invoice_date, total) VALUES (7, '2024-01-01', 9.99);
-- calls: 50
INSERT INTO invoice (customer_id, invoice_date, total) VALUES (8, '2024-01-02', 19.99);

-- A semicolon inside a string does not end the statement.
SELECT * FROM artist WHERE name LIKE 'AC/DC; Live%';

BEGIN;
SET search_path TO public;
SELECT relname FROM pg_catalog.pg_class;
COMMIT;
