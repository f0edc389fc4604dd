"""Zip archives from untrusted files, unpacked so that they cannot exhaust memory (zip bombs).

The central directory is checked before anything is inflated: member count, total declared size,
per-member compression ratio, compression method and encryption. That is not enough on its own:
declared sizes can lie, and ``ZipFile.read()`` inflates a deflated member in a single call before
cutting it to the declared size, so a member claiming 1 KB can still allocate gigabytes. Reading in
small chunks is bounded (zipfile never returns more than the declared size, and each chunk inflates
at most a chunk), so :func:`unpack_safely` copies every member that way into a new, uncompressed
archive, and only that copy is read by a format's reader (the DOCX reader's parts come from it).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from .limits import format_size
from .model import DocumentError

MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
# Members smaller than this cannot hurt whatever their ratio; small, very repetitive XML parts of
# genuine documents do compress more than 100:1.
RATIO_GRACE_BYTES = 1024 * 1024
MAX_MEMBERS = 10_000

_CHUNK = 64 * 1024
_CENTRAL_DIRECTORY_ENTRY = b"PK\x01\x02"
_OFFICE_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})  # bzip2/LZMA reads are unbounded
_ENCRYPTED_FLAG = 0x1


def unpack_safely(data: bytes, kind: str) -> tuple[bytes, frozenset[str]]:
    """Check the zip archive ``data`` and return an uncompressed copy of it plus its member names.

    ``kind`` ("DOCX") names the format in messages. Raises :class:`DocumentError` for zip bombs,
    corrupt archives and zip features Office never uses.
    """
    # Counting directory signatures first keeps a directory of a million tiny entries from being
    # parsed into a million ZipInfo objects.
    entries = data.count(_CENTRAL_DIRECTORY_ENTRY)
    if entries > MAX_MEMBERS:
        raise DocumentError(f"{kind} looks like a zip bomb ({entries:,} files inside)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = {
                member.filename: member for member in archive.infolist()
            }  # last one wins, as in zipfile
            _check_members(list(members.values()), kind)
            return _copy_uncompressed(archive, members), frozenset(members)
    except DocumentError:
        raise
    except NotImplementedError as exc:  # e.g. "zip file version 6.4": a newer zip format
        raise DocumentError(f"{kind} uses a zip feature that is not supported") from exc
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError, RuntimeError, struct.error) as exc:
        raise DocumentError(f"damaged {kind}: the zip data is corrupt") from exc


def _check_members(members: list[zipfile.ZipInfo], kind: str) -> None:
    if len(members) > MAX_MEMBERS:
        raise DocumentError(f"{kind} looks like a zip bomb ({len(members):,} files inside)")
    total = sum(member.file_size for member in members)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise DocumentError(f"{kind} looks like a zip bomb (would expand to {format_size(total)})")
    for member in members:
        if member.file_size > RATIO_GRACE_BYTES:
            ratio = member.file_size / max(member.compress_size, 1)
            if ratio > MAX_COMPRESSION_RATIO:
                raise DocumentError(f"{kind} looks like a zip bomb (a part expands {ratio:,.0f} times)")
        if member.compress_type not in _OFFICE_METHODS:
            raise DocumentError(f"{kind} uses a zip compression method Office never writes")
        if member.flag_bits & _ENCRYPTED_FLAG:
            raise DocumentError(f"{kind} has password-protected (zip-encrypted) parts")


def _copy_uncompressed(archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as copy:
        for name, member in members.items():
            if member.is_dir():
                continue
            with archive.open(member) as source, copy.open(name, "w") as target:
                while chunk := source.read(_CHUNK):
                    target.write(chunk)
    return out.getvalue()
