"""Files and folders the app and its commands write hold patients' data or the app's secrets:
readable by the service's user only (0600 files, 0700 folders), whatever the umask."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def private_folder(path: str | os.PathLike) -> Path:
    """A folder of the app's own (the instance folder, demo PDFs), made or tightened to 0700."""
    folder = Path(path)
    folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    folder.chmod(FOLDER_MODE)
    return folder


def open_private(path: str | os.PathLike, flags: int = os.O_WRONLY) -> int:
    """A descriptor of a file made 0600, or tightened to 0600 if it was there already."""
    descriptor = os.open(path, flags | os.O_CREAT, FILE_MODE)
    os.fchmod(descriptor, FILE_MODE)
    return descriptor


def write_private(path: str | os.PathLike, data: bytes) -> None:
    """Write a whole file (a PDF, say) that only the service's user may read."""
    with os.fdopen(open_private(path, os.O_WRONLY | os.O_TRUNC), "wb") as out:
        out.write(data)


def tighten(path: str | os.PathLike) -> None:
    """A file an older release (or a copy) left readable by others made 0600; none is fine."""
    with contextlib.suppress(FileNotFoundError):
        os.chmod(path, FILE_MODE)
