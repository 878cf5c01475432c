"""The archive: every file's raw bytes, unchanged, stored under their SHA-256.

Files are written atomically (temporary file, fsync, rename), so the archive never holds a
half-written file, and before the database commit that refers to them.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def archived_path(archive_dir: Path, sha256: str) -> Path:
    return Path(archive_dir) / sha256[:2] / sha256


def archive_bytes(archive_dir: Path, data: bytes, sha256: str | None = None) -> Path:
    """Store ``data`` under its SHA-256 (once: the same bytes are never written twice).

    ``sha256``, when the caller has already hashed ``data``, saves hashing it again.
    """
    sha256 = sha256 or sha256_of(data)
    path = archived_path(archive_dir, sha256)
    if path.exists() and path.stat().st_size == len(data):
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_archived(archive_dir: Path, sha256: str) -> bytes:
    return archived_path(archive_dir, sha256).read_bytes()
