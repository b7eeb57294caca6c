"""From bytes to lines: encoding, byte-order marks, binary files, line-length limits.

The only I/O is reading the stream handed in, chunk by chunk: nothing holds the whole file.
Lines come out as bytes, always UTF-8 or an 8-bit encoding (UTF-16 and UTF-32 files are
transcoded to UTF-8 on the way), so a parser can split on line breaks safely and decide how
to decode a line, or a whole vCard, itself.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from bascule.imports.rows import ImportFileError

SAMPLE_SIZE = 64 * 1024
CHUNK_SIZE = 64 * 1024
LINE_LIMIT = 1024 * 1024  # bytes; a longer line is skipped and reported
FALLBACK = "cp1252"  # what French (and most Western) Excel installs write as "CSV"

_BOMS = (
    # UTF-32 before UTF-16: FF FE 00 00 also starts with the UTF-16 LE mark.
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_SIGNATURES = (
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx workbook?): save it as CSV first"),
    (b"\xd0\xcf\x11\xe0", "an Office document (an Excel .xls workbook?): save it as CSV first"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
)
_CONTROL = frozenset(chr(c) for c in range(32)) - {"\t", "\n", "\r", "\f", "\v", "\x1a"}


@dataclass(frozen=True, slots=True)
class TextFormat:
    """How a file's bytes are to be read. `encoding` is the name shown to people."""

    encoding: str
    bom: bytes  # skipped before reading
    sample: str  # the decoded start of the file, BOM removed

    @property
    def line_encoding(self) -> str:
        """The encoding of the lines `byte_lines` gives: UTF-16/32 arrive as UTF-8."""
        return "utf-8" if self.encoding.startswith(("utf-16", "utf-32")) else self.encoding


def sniff_text(sample: bytes, *, complete: bool) -> TextFormat:
    """Decide the encoding from the first bytes of a file, or refuse it.

    `complete` tells that `sample` is the whole file (so a cut multi-byte character at its end
    is a real error, not the edge of the sample). UTF-8 is chosen when the sample is valid
    UTF-8; otherwise Windows-1252 (a superset of Latin-1 for text), which decodes any byte.
    Raises ImportFileError for an empty file and for anything that is not text.
    """
    for signature, what in _SIGNATURES:
        if sample.startswith(signature):
            raise ImportFileError(f"This is not a CSV or vCard file: it looks like {what}.")
    encoding, bom = _encoding_of(sample)
    body = sample[len(bom) :]
    if encoding == "utf-8" and not bom:
        try:
            text = codecs.getincrementaldecoder("utf-8")().decode(body, final=complete)
        except UnicodeDecodeError:
            encoding = FALLBACK
            text = body.decode(FALLBACK, "replace")
    else:
        text = codecs.getincrementaldecoder(encoding)("replace").decode(body, final=complete)
    if not text.strip():
        raise ImportFileError("The file is empty.")
    if "\x00" in text:
        raise ImportFileError("This is not a text file: it contains NUL bytes (binary data?).")
    controls = sum(1 for char in text if char in _CONTROL)
    if controls > max(8, len(text) // 100):
        raise ImportFileError(
            "This is not a text file: it is full of control characters (binary data?)."
        )
    return TextFormat(encoding=encoding, bom=bom, sample=text)


def _encoding_of(sample: bytes) -> tuple[str, bytes]:
    for bom, encoding in _BOMS:
        if sample.startswith(bom):
            return encoding, bom
    # UTF-16 without a mark: text in Latin script puts a NUL in every other byte.
    pairs = len(sample) // 2
    if pairs >= 2:
        even_nuls = sample[0 : 2 * pairs : 2].count(0)
        odd_nuls = sample[1 : 2 * pairs : 2].count(0)
        if odd_nuls >= 0.4 * pairs and even_nuls <= 0.05 * pairs:
            return "utf-16-le", b""
        if even_nuls >= 0.4 * pairs and odd_nuls <= 0.05 * pairs:
            return "utf-16-be", b""
    return "utf-8", b""


def byte_lines(
    sample: bytes, stream: BinaryIO, fmt: TextFormat, *, limit: int = LINE_LIMIT
) -> Iterator[bytes | None]:
    """Every line of the file (`sample` first, then the rest of `stream`), ends kept.

    Lines are in UTF-8 or an 8-bit encoding, whatever the file was. A line longer than `limit`
    bytes is skipped: None stands in its place. LF, CRLF and CR alone all end a line.
    """
    chunks = _chunks(sample, stream)
    if fmt.encoding.startswith(("utf-16", "utf-32")):
        chunks = _to_utf8(chunks, fmt)  # drops the byte-order mark
    elif fmt.bom:
        chunks = _skip(chunks, len(fmt.bom))
    return _split_lines(chunks, limit)


def decode_line(line: bytes, encoding: str) -> tuple[str, bool]:
    """(text, read as the fallback). A line that is not UTF-8 in a UTF-8 file is read as
    Windows-1252: exports often mix both. Bytes that mean nothing become U+FFFD."""
    if encoding == "utf-8":
        try:
            return line.decode("utf-8"), False
        except UnicodeDecodeError:
            return line.decode(FALLBACK, "replace"), True
    return line.decode(encoding, "replace"), False


def _chunks(sample: bytes, stream: BinaryIO) -> Iterator[bytes]:
    if sample:
        yield sample
    while chunk := stream.read(CHUNK_SIZE):
        yield chunk


def _to_utf8(chunks: Iterable[bytes], fmt: TextFormat) -> Iterator[bytes]:
    decoder = codecs.getincrementaldecoder(fmt.encoding)("replace")
    bom_left = len(fmt.bom)
    for chunk in chunks:
        if bom_left:
            cut = min(bom_left, len(chunk))
            chunk, bom_left = chunk[cut:], bom_left - cut
        yield decoder.decode(chunk).encode("utf-8")
    yield decoder.decode(b"", final=True).encode("utf-8")


def _skip(chunks: Iterator[bytes], count: int) -> Iterator[bytes]:
    head = b""
    for chunk in chunks:
        head += chunk
        if len(head) >= count:
            yield head[count:]
            break
    yield from chunks


def _split_lines(chunks: Iterable[bytes], limit: int) -> Iterator[bytes | None]:
    carry = b""
    skipping = False  # inside an over-long line, waiting for its end
    for chunk in chunks:
        if skipping:
            ends = [pos for pos in (chunk.find(b"\n"), chunk.find(b"\r")) if pos >= 0]
            if not ends:
                continue
            chunk, skipping = chunk[min(ends) + 1 :], False
            if chunk.startswith(b"\n"):
                chunk = chunk[1:]
        data = carry + chunk if carry else chunk
        if not data:
            continue
        lines = data.splitlines(keepends=True)
        # The last piece is complete only once its break is seen (and CR may precede LF).
        carry = lines.pop() if not lines[-1].endswith(b"\n") else b""
        for line in lines:
            yield line if len(line) <= limit else None
        if len(carry) > limit:
            yield None
            carry, skipping = b"", True
    if carry and not skipping:
        yield carry if len(carry) <= limit else None
