-- InnoDB's row estimate (can be off by 40-50%; used only to decide whether COUNT(*) is cheap).
SELECT TABLE_ROWS FROM information_schema.TABLES
WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = :table
