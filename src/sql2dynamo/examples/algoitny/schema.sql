-- AlgoItny: the source schema, MySQL/MariaDB DDL.
-- Rendered by sql2dynamo.examples.render_schema_sql from the example's SQLAlchemy metadata;
-- do not edit: change the metadata and run `python -m sql2dynamo.examples`.

CREATE TABLE problems (
    id INTEGER NOT NULL AUTO_INCREMENT,
    platform VARCHAR(20) NOT NULL,
    problem_id VARCHAR(50) NOT NULL,
    title VARCHAR(200) NOT NULL,
    problem_url VARCHAR(500),
    tags TEXT,
    language VARCHAR(20),
    solution_code TEXT,
    is_completed BOOL NOT NULL,
    is_deleted BOOL NOT NULL,
    deleted_at DATETIME,
    deleted_reason VARCHAR(255),
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT uq_problems_platform_problem UNIQUE (platform, problem_id)
);

CREATE INDEX ix_problems_completed_created ON problems (is_completed, created_at);

CREATE INDEX ix_problems_platform_created ON problems (platform, created_at);

CREATE TABLE script_generation_jobs (
    id INTEGER NOT NULL AUTO_INCREMENT,
    platform VARCHAR(20) NOT NULL,
    problem_id VARCHAR(50) NOT NULL,
    title VARCHAR(200) NOT NULL,
    problem_url VARCHAR(500),
    language VARCHAR(20) NOT NULL,
    job_type ENUM('script_generation','problem_extraction') NOT NULL,
    status ENUM('pending','running','completed','failed') NOT NULL,
    celery_task_id VARCHAR(64),
    generator_code TEXT,
    error_message TEXT,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    PRIMARY KEY (id),
    UNIQUE (celery_task_id)
);

CREATE INDEX ix_jobs_status_created ON script_generation_jobs (status, created_at);

CREATE INDEX ix_jobs_type_created ON script_generation_jobs (job_type, created_at);

CREATE TABLE subscription_plans (
    id INTEGER NOT NULL AUTO_INCREMENT,
    name VARCHAR(50) NOT NULL,
    description VARCHAR(255) NOT NULL,
    max_hints_per_day INTEGER NOT NULL,
    max_executions_per_day INTEGER NOT NULL,
    price_usd NUMERIC(8, 2) NOT NULL,
    is_active BOOL NOT NULL,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (id),
    UNIQUE (name)
);

CREATE TABLE test_cases (
    id INTEGER NOT NULL AUTO_INCREMENT,
    problem_id INTEGER NOT NULL,
    input TEXT NOT NULL,
    output TEXT NOT NULL,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY(problem_id) REFERENCES problems (id)
);

CREATE INDEX ix_test_cases_problem_id ON test_cases (problem_id);

CREATE TABLE users (
    id INTEGER NOT NULL AUTO_INCREMENT,
    email VARCHAR(254) NOT NULL,
    name VARCHAR(100) NOT NULL,
    picture VARCHAR(500),
    google_id VARCHAR(64),
    subscription_plan_id INTEGER,
    is_active BOOL NOT NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    PRIMARY KEY (id),
    UNIQUE (email),
    UNIQUE (google_id),
    FOREIGN KEY(subscription_plan_id) REFERENCES subscription_plans (id)
);

CREATE INDEX ix_users_plan_created ON users (subscription_plan_id, created_at);

CREATE TABLE search_history (
    id INTEGER NOT NULL AUTO_INCREMENT,
    user_id INTEGER,
    user_identifier VARCHAR(254) NOT NULL,
    problem_id INTEGER NOT NULL,
    platform VARCHAR(20) NOT NULL,
    problem_number VARCHAR(50) NOT NULL,
    problem_title VARCHAR(200) NOT NULL,
    language VARCHAR(20) NOT NULL,
    code TEXT NOT NULL,
    passed_count INTEGER NOT NULL,
    failed_count INTEGER NOT NULL,
    total_count INTEGER NOT NULL,
    is_public BOOL NOT NULL,
    hints TEXT,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY(user_id) REFERENCES users (id),
    FOREIGN KEY(problem_id) REFERENCES problems (id)
);

CREATE INDEX ix_search_history_problem_id ON search_history (problem_id);

CREATE INDEX ix_search_history_public_created ON search_history (is_public, created_at);

CREATE INDEX ix_search_history_public_language_created ON search_history (is_public, language, created_at);

CREATE INDEX ix_search_history_user_created ON search_history (user_id, created_at);

CREATE TABLE usage_logs (
    id INTEGER NOT NULL AUTO_INCREMENT,
    user_id INTEGER NOT NULL,
    action ENUM('hint','execution') NOT NULL,
    problem_id INTEGER,
    details VARCHAR(255),
    created_at DATETIME NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY(user_id) REFERENCES users (id),
    FOREIGN KEY(problem_id) REFERENCES problems (id)
);

CREATE INDEX ix_usage_logs_created ON usage_logs (created_at);

CREATE INDEX ix_usage_logs_problem_id ON usage_logs (problem_id);

CREATE INDEX ix_usage_logs_user_action_created ON usage_logs (user_id, action, created_at);
