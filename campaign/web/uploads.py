"""Uploaded exports: counted and size-limited as they are read, kept only inside the workspace.

A preview reads its files from a temporary folder inside the workspace that
is removed afterwards; an import keeps each file under
``uploads/<first 12 hex digits of its SHA-256>/<its name>`` in the workspace,
so the ledger names a file that stays there (the same content lands on the
same path), and removes the files it added when the import fails.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from collections.abc import AsyncGenerator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from starlette.formparsers import MultiPartException, MultiPartParser

from campaign.web.errors import TooLargeError
from scenarios import UsageError

MB = 1024 * 1024
#: Most files in one request, most bytes per file and per request.
MAX_FILES = 10
MAX_BYTES = 20 * MB
MAX_REQUEST = 50 * MB
#: Characters a stored file name keeps; any other becomes "_".
UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
#: Where imports keep their files, inside the workspace.
UPLOADS = "uploads"


@dataclass(frozen=True)
class Upload:
    """One uploaded file, read into memory: a safe file name and its bytes."""

    name: str
    data: bytes


def safe_name(name: str | None, index: int) -> str:
    """The upload's own file name without folders, leading dots or unusual characters (``export-N.csv`` if none)."""
    base = UNSAFE.sub("_", (name or "").replace("\\", "/").rsplit("/", 1)[-1]).lstrip(".")
    return base[:120] or f"export-{index + 1}.csv"


class InMemoryParser(MultiPartParser):
    """Starlette's multipart parser with every file kept in memory (the request is size-limited before parsing)."""

    spool_max_size = MAX_REQUEST


@dataclass(frozen=True)
class Form:
    """A parsed upload request: its text fields and its files."""

    fields: dict[str, str]
    uploads: list[Upload]


async def read_body(request: Request, limit: int = MAX_REQUEST, what: str = "the upload") -> bytes:
    """The request's body, read as it arrives; `TooLargeError` as soon as it is (or says it is) over `limit`
    bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLargeError(_too_large(int(declared), limit, what))
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise TooLargeError(_too_large(len(body), limit, what))
    return bytes(body)


async def read_form(request: Request, limit: int = MAX_BYTES, count: int = MAX_FILES) -> Form:
    """The form's fields and files, all in memory; `TooLargeError` for a request over `MAX_REQUEST` bytes, more
    than `count` files or one over `limit` bytes."""
    body = await read_body(request)
    if "multipart/form-data" not in request.headers.get("content-type", ""):
        raise UsageError("send the exports as multipart/form-data (a form with a file input named 'files')")

    async def stream() -> AsyncGenerator[bytes, None]:
        yield bytes(body)

    parser = InMemoryParser(request.headers, stream(), max_files=count, max_fields=20, max_part_size=64 * 1024)
    try:
        form = await parser.parse()
    except MultiPartException as error:
        kind = TooLargeError if "Too many" in error.message else UsageError
        raise kind(f"the upload cannot be read: {error.message}") from None
    fields = {key: value for key, value in form.multi_items() if isinstance(value, str)}
    files = [value for key, value in form.multi_items() if key == "files" and not isinstance(value, str)]
    if not files:
        raise UsageError("no file uploaded: send one or more exports as the form field 'files'")
    uploads = []
    for index, upload in enumerate(files):
        data = await upload.read()
        if len(data) > limit:
            raise TooLargeError(
                f"{upload.filename}: larger than {limit // MB} MB, the largest export taken; "
                "export a shorter date range or fewer columns"
            )
        uploads.append(Upload(safe_name(upload.filename, index), data))
    return Form(fields, uploads)


def _too_large(size: int, limit: int = MAX_REQUEST, what: str = "the upload") -> str:
    return f"{what} has {size / MB:.1f} MB, more than the {limit // MB} MB one request may carry"


@contextmanager
def temporary(folder: Path, uploads: Sequence[Upload]) -> Iterator[list[Path]]:
    """The uploads written into a temporary folder inside `folder`, removed on leaving (for a preview)."""
    with tempfile.TemporaryDirectory(dir=folder, prefix=".upload-") as scratch:
        paths = []
        for index, upload in enumerate(uploads):
            # Two uploads of the same name each get a folder of their own.
            path = Path(scratch) / str(index) / upload.name
            path.parent.mkdir()
            path.write_bytes(upload.data)
            paths.append(path)
        try:
            yield paths
        except UsageError as error:
            raise UsageError(shown(str(error), Path(scratch))) from None


@contextmanager
def kept(folder: Path, uploads: Sequence[Upload]) -> Iterator[list[Path]]:
    """The uploads stored under `folder`/uploads by content (for an import); the new ones removed if it fails."""
    added: list[Path] = []
    paths = []
    try:
        for upload in uploads:
            path = folder / UPLOADS / hashlib.sha256(upload.data).hexdigest()[:12] / upload.name
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(upload.data)
                added.append(path)
            paths.append(path)
        yield paths
    except BaseException:
        for path in added:
            path.unlink(missing_ok=True)
            if not any(path.parent.iterdir()):
                path.parent.rmdir()
        raise


def shown(document: Any, scratch: Path) -> Any:
    """`document` with the temporary folder `scratch` left out of every path it names (the file's own name stays)."""
    if isinstance(document, str):
        return re.sub(re.escape(str(scratch)) + r"/\d+/", "", document)
    if isinstance(document, list):
        return [shown(item, scratch) for item in document]
    if isinstance(document, dict):
        return {key: shown(value, scratch) for key, value in document.items()}
    return document
