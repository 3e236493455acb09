-- AlgoItny's workload as a query log: one day of a small deployment, the
-- statements with literal values as the server saw them (`analyze --query-log`
-- turns them into access patterns).  access_patterns.yaml holds the full set
-- at the scale of AlgoItny's design documents; these are the statements the demo mines.
-- window_seconds: 86400
-- calls: 432000
SELECT COUNT(*) FROM usage_logs WHERE user_id = 42 AND action = 'hint' AND created_at >= '2025-03-01';
-- calls: 300000
SELECT * FROM users WHERE email = 'user1@example.com';
-- calls: 115200
SELECT * FROM search_history WHERE is_public = TRUE ORDER BY created_at DESC LIMIT 20;
-- calls: 86400
SELECT * FROM problems WHERE platform = 'baekjoon' AND problem_id = '1000';
-- calls: 86400
SELECT * FROM test_cases WHERE problem_id = 7;
-- calls: 43200
SELECT * FROM search_history WHERE user_id = 42 ORDER BY created_at DESC LIMIT 20;
-- calls: 432000
INSERT INTO usage_logs (user_id, action, problem_id, created_at) VALUES (42, 'hint', 7, '2025-03-01 10:00:00');
-- calls: 43200
INSERT INTO search_history (user_id, user_identifier, problem_id, platform, problem_number, problem_title, language, code, passed_count, failed_count, total_count, is_public, created_at) VALUES (42, 'user42@example.com', 7, 'baekjoon', '1007', 'A+B', 'python', 'print(1)', 3, 0, 3, TRUE, '2025-03-01 10:00:00');
-- calls: 2000
SELECT * FROM users WHERE google_id = 'g-100001';
-- calls: 500
SELECT * FROM script_generation_jobs WHERE status = 'pending' ORDER BY created_at LIMIT 50;
-- calls: 100
SELECT * FROM problems WHERE title LIKE '%tree%';
