"""Copying objects between a bucket prefix and a local folder.

The local runtime stages a prefix of the emulator's S3 to a folder before a job and uploads
the job's outputs after it, at the same keys AWS uses, so that a local run needs no S3
connector in Spark (the S3A jars of scripts/setup are only needed to read s3:// directly).
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

from fintech_dq.storage import delete_prefix, list_keys

# list_keys and delete_prefix live in fintech_dq.storage; the pipeline's modules import them
# from here with the rest of the staging steps.
__all__ = ["delete_prefix", "download_prefix", "list_keys", "upload_tree"]


def download_prefix(s3: Any, bucket: str, prefix: str, dest_dir: Path) -> list[Path]:
    """Every object under `prefix` into `dest_dir`, keeping the key's path below the prefix."""
    written: list[Path] = []
    for key in list_keys(s3, bucket, prefix):
        relative = key[len(prefix) :].lstrip("/")
        if not relative or relative.endswith("/"):
            continue
        target = dest_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        s3.download_file(bucket, key, str(target))
        written.append(target)
    return written


def upload_tree(s3: Any, local_dir: Path, bucket: str, prefix: str) -> list[str]:
    """Every file below `local_dir` to `prefix` + its relative path; returns the keys."""
    keys: list[str] = []
    base = prefix if not prefix or prefix.endswith("/") else prefix + "/"
    for path in sorted(p for p in local_dir.rglob("*") if p.is_file()):
        relative = path.relative_to(local_dir).as_posix()
        if _is_spark_bookkeeping(relative):
            continue
        key = base + relative
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        s3.upload_file(str(path), bucket, key, ExtraArgs={"ContentType": content_type})
        keys.append(key)
    return keys


def _is_spark_bookkeeping(relative: str) -> bool:
    """Hadoop's checksum files and _SUCCESS markers are local artefacts, not outputs."""
    name = relative.rsplit("/", 1)[-1]
    return name.endswith(".crc") or name == "_SUCCESS"
