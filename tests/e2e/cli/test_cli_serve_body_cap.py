"""A 60 MB body sent to a real ``bascule serve`` over real HTTP is refused with 413 while the
server's peak memory stays within 20 MB of its normal size (issue 12: it used to read the
whole body, 144 MB to 497 MB, before answering 422)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest
from test_cli_serve import LAUNCH, _free_port, _get_when_up

BODY_BYTES = 60 * 1024 * 1024
CHUNK = 64 * 1024
MARGIN = 20 * 1024 * 1024


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"{field} not in /proc/{pid}/status")


def _reset_peak(pid: int) -> None:
    """Linux: writing 5 to clear_refs resets the peak RSS (VmHWM) to the current RSS."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def _send_big_body(port: int, *, chunked: bool) -> bytes:
    """POST 60 MB of JSON-looking bytes to /api/v1/leads; what the server answered. The answer
    is read on its own thread while the body is still being sent, as a browser would."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    answer = bytearray()

    def read() -> None:
        try:
            while data := sock.recv(65536):
                answer.extend(data)
        except OSError:
            pass

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    length = b"Transfer-Encoding: chunked" if chunked else b"Content-Length: %d" % BODY_BYTES
    sock.sendall(
        b"POST /api/v1/leads HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + length + b"\r\n\r\n"
    )  # fmt: skip
    payload = b'{"last_name": "' + b"x" * (CHUNK - 15)
    try:
        for _ in range(BODY_BYTES // CHUNK):
            sock.sendall(b"%x\r\n%s\r\n" % (len(payload), payload) if chunked else payload)
        if chunked:
            sock.sendall(b"0\r\n\r\n")
    except OSError:
        pass  # the server answered and closed: the rest is never read
    reader.join(timeout=30)
    sock.close()
    return bytes(answer)


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="Linux /proc needed")
def test_a_60_mb_body_is_refused_without_the_server_growing(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'served.db'}"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BASCULE_")}
    env["BASCULE_SECRET_KEY"] = "a-secret-key-for-this-test-only"
    command = [sys.executable, "-c", LAUNCH, "--database-url", url, "serve", "--port", str(port),
               "--log-level", "warning"]  # fmt: skip
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert _get_when_up(proc, f"http://127.0.0.1:{port}/api/v1/health").status_code == 200
        # Warm up the paths the big request takes (routing, JSON errors) at a small size.
        small = httpx.post(f"http://127.0.0.1:{port}/api/v1/leads", content=b"{" * 2_000_000,
                           headers={"Content-Type": "application/json"}, timeout=10)  # fmt: skip
        assert small.status_code == 413
        normal = _status_kb(proc.pid, "VmRSS") * 1024
        _reset_peak(proc.pid)

        streamed = _send_big_body(port, chunked=True)
        declared = _send_big_body(port, chunked=False)
        peak = _status_kb(proc.pid, "VmHWM") * 1024

        assert streamed.startswith(b"HTTP/1.1 413 "), streamed[:200]
        assert b'"payload_too_large"' in streamed
        assert declared.startswith(b"HTTP/1.1 413 "), declared[:200]
        assert peak - normal < MARGIN, f"peak {peak / 2**20:.1f} MiB, normal {normal / 2**20:.1f}"
        # And the server is still serving.
        assert httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=5).status_code == 200
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
