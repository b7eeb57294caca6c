"""Reading a multipart upload as a stream, with a size cap, into a temporary file.

FastAPI's `UploadFile` parameters read the whole body before the route runs: a 1 GB upload
would be written to disk before anyone could refuse it. Here the body is read chunk by chunk
(after authentication, which runs first as a dependency): a Content-Length over the cap is
refused before a byte is read, and a body without one (chunked) is refused as soon as the
bytes received pass the cap. The file part goes to a SpooledTemporaryFile (memory up to
1 MB, then disk), the other parts are small form fields.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

from bascule.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed

FIELD_BYTES = 64 * 1024  # a form field (mapping, tag...)
MAX_FIELDS = 20
# Room for the multipart framing and the form fields around the file.
ENVELOPE_BYTES = MAX_FIELDS * FIELD_BYTES


@dataclass
class Upload:
    file: BinaryIO
    filename: str
    fields: dict[str, str]

    def close(self) -> None:
        self.file.close()


def _too_large(limit: int) -> PayloadTooLarge:
    megabytes = limit / (1024 * 1024)
    return PayloadTooLarge(
        f"the upload is larger than {megabytes:g} MB",
        fields={"file": f"at most {limit} bytes"},
    )


async def _capped(stream: AsyncIterator[bytes], limit: int) -> AsyncGenerator[bytes, None]:
    received = 0
    async for chunk in stream:
        received += len(chunk)
        if received > limit:
            raise _too_large(limit - ENVELOPE_BYTES)
        yield chunk


async def read_upload(request: Request, *, max_bytes: int, file_field: str = "file") -> Upload:
    """The file part and the text fields of a multipart/form-data request.

    Raises PayloadTooLarge (413) past `max_bytes` of file, UnsupportedMediaType (415) for a
    body that is not multipart, ValidationFailed (422) for a malformed body or no file part.
    """
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise UnsupportedMediaType(
            "send the file as multipart/form-data",
            fields={file_field: "a multipart/form-data part named 'file'"},
        )
    limit = max_bytes + ENVELOPE_BYTES
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(max_bytes)
    parser = MultiPartParser(
        request.headers,
        _capped(request.stream(), limit),
        max_files=1,
        max_fields=MAX_FIELDS,
        max_part_size=FIELD_BYTES,
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise ValidationFailed(
            f"the upload cannot be read: {exc.message}", fields={file_field: exc.message}
        ) from None
    upload: Any = form.get(file_field)
    fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    if not isinstance(upload, UploadFile):
        for _, value in form.multi_items():
            if isinstance(value, UploadFile):
                await value.close()
        raise ValidationFailed(
            "no file in the upload", fields={file_field: "required: the CSV or vCard file"}
        )
    if (upload.size or 0) > max_bytes:
        await upload.close()
        raise _too_large(max_bytes)
    return Upload(upload.file, upload.filename or "upload", fields)
