SELECT * FROM customer WHERE email = 'ann@example.com';
SELECT * FROM customer WHERE email = 'bob@example.com';
SELECT * FROM customer WHERE email = 'cid@example.com';
SELECT * FROM track WHERE track_id IN (1, 2, 3);
SELECT * FROM track WHERE track_id IN (4, 5);
UPDATE customer SET phone = '+33 1 23 45 67 89' WHERE customer_id = 12;
