"""``bascule serve`` runs the API on a fresh SQLite file, with one or several workers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

LAUNCH = "from bascule.cli.main import app; app()"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get_when_up(proc: subprocess.Popen[bytes], url: str) -> httpx.Response:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out, _ = proc.communicate()
            pytest.fail(f"bascule serve exited with {proc.returncode}: {out.decode()[-2000:]}")
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.2)
    pytest.fail("bascule serve did not answer within 30 s")


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_initialises_a_fresh_file_and_serves_it(tmp_path: Path, workers: int, run_cli):
    url = f"sqlite:///{tmp_path / 'served.db'}"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BASCULE_")}
    env["BASCULE_SECRET_KEY"] = "a-secret-key-for-this-test-only"  # the default is refused
    command = [sys.executable, "-c", LAUNCH, "--database-url", url, "serve", "--port", str(port)]
    command += ["--workers", str(workers)]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        health = _get_when_up(proc, f"http://127.0.0.1:{port}/api/v1/health")
        # The schema exists (serve ran init): a user and a token can be made from the CLI,
        # and the served workers read the same database.
        made = run_cli("--database-url", url, "users", "create", "ops@x.fr", "--role", "sales_ops")
        token = run_cli("--database-url", url, "tokens", "create", "ops@x.fr").stdout.split()[-1]
        me = httpx.get(
            f"http://127.0.0.1:{port}/api/v1/me",
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        )

        assert health.status_code == 200
        assert made.exit_code == 0, made.output
        assert me.status_code == 200, me.text
        assert me.json()["role"] == "sales_ops"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
