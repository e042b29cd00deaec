"""A real `dojo serve` on loopback over a bundled task, imported into a temporary registry.

The suite needs the built `dojo` (`swift build`, or $DOJO_BIN) and the sandbox (root, after
scripts/install-deps): without them it fails, it never skips.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Iterator, List

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(REPO, "clients", "python"))

DOJO = os.environ.get("DOJO_BIN", os.path.join(REPO, ".build", "debug", "dojo"))
TASK = "olive-oil-regions"


@dataclass
class Server:
    url: str
    token: str
    registry: str
    root: str
    process: "subprocess.Popen[bytes]"


def _run(args: List[str]) -> str:
    done = subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="session")
def published() -> Iterator[tuple]:
    assert os.access(DOJO, os.X_OK), f"build dojo first (swift build): {DOJO} is missing"
    # mkdtemp makes 0700; the sandbox's own user must pass through to the task's public files.
    root = tempfile.mkdtemp(prefix="dojo-pyclient-")
    os.chmod(root, 0o755)
    registry = os.path.join(root, "registry.sqlite")
    _run([DOJO, "import", TASK, "--skip-reference", "--raw", os.path.join(root, "raw"),
          "--curated", os.path.join(root, "curated"), "--registry", registry])
    yield root, registry
    shutil.rmtree(root, ignore_errors=True)


def start_server(root: str, registry: str, *extra: str) -> Server:
    token = secrets.token_hex(16)
    sessions = os.path.join(root, "sessions-" + secrets.token_hex(4))
    log_path = os.path.join(root, "serve-" + secrets.token_hex(4) + ".log")
    env = dict(os.environ, DOJO_TOKEN=token)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [DOJO, "serve", "--registry", registry, "--host", "127.0.0.1", "--port", "0",
             "--sessions", sessions, "--timeout", "120", "--memory", "2048", *extra],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        with open(log_path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        match = re.search(r"listening on http://127\.0\.0\.1:(\d+)", text)
        if match:
            return Server(f"http://127.0.0.1:{match.group(1)}", token, registry, root, process)
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    with open(log_path, encoding="utf-8", errors="replace") as f:
        raise AssertionError("dojo serve did not start:\n" + f.read())


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(20)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture(scope="session")
def server(published: tuple) -> Iterator[Server]:
    root, registry = published
    running = start_server(root, registry)
    yield running
    stop_server(running)


SOLUTION = os.path.join(REPO, "manifests", TASK, "solution.py")
