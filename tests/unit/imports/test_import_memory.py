"""Memory stays flat as files grow: a 200,000-row CSV, generated while it is read."""

from __future__ import annotations

import io
import tracemalloc
from collections.abc import Iterator

import pytest

from bascule.imports import open_import

ROWS = 200_000
PEAK_LIMIT = 20 * 1024 * 1024


class GeneratedFile(io.RawIOBase):
    """A binary stream whose bytes are made as they are read: never a file in memory."""

    def __init__(self, lines: Iterator[bytes]) -> None:
        self.lines = lines
        self.pending = b""
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        parts, size = [self.pending], len(self.pending)
        while size < len(buffer):
            line = next(self.lines, b"")
            if not line:
                break
            parts.append(line)
            size += len(line)
        self.pending = b"".join(parts)
        count = min(len(buffer), len(self.pending))
        buffer[:count] = self.pending[:count]
        self.pending = self.pending[count:]
        self.size += count
        return count


def french_export(rows: int) -> Iterator[bytes]:
    yield "Prénom;Nom;Société;Effectif;Pays;Notes\r\n".encode()
    for i in range(rows):
        note = f"Rencontré au salon, stand {i % 300}\nrappeler après le {i % 28 + 1} mars"
        line = f'Élise{i};Durand-{i};Société {i % 997};{i % 5000};France;"{note} {"x" * 60}"\r\n'
        yield line.encode()


@pytest.mark.slow
def test_peak_memory_stays_small_over_200000_rows() -> None:
    # given a 200,000-row file bigger than the memory allowed, made while it is read
    stream = GeneratedFile(french_export(ROWS))
    tracemalloc.start()
    try:
        # when every row is read
        reader = open_import(io.BufferedReader(stream))
        count = rejected = 0
        last = None
        for row in reader:
            count += 1
            rejected += row.rejected
            last = row
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # then all rows came through and the peak stayed far below the file's size
    assert count == ROWS
    assert rejected == 0
    assert last is not None and last.number == ROWS + 1
    assert last.values["company"] == f"Société {(ROWS - 1) % 997}"
    assert stream.size > 1.5 * PEAK_LIMIT
    assert peak < PEAK_LIMIT, f"peak {peak / 1e6:.1f} MB"
