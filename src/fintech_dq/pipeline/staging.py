"""Copying objects between a bucket prefix and a local folder.

Spark in this project reads and writes local paths when it runs on a laptop (no s3a jars
can be installed offline), so the local runtime stages a prefix of the emulator's S3 to a
folder before a job and uploads the job's outputs after it, at the same keys AWS uses.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any


def list_keys(s3: Any, bucket: str, prefix: str, start_after: str = "") -> list[str]:
    """Every key under a prefix (all pages; after `start_after` when given), sorted."""
    arguments: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
    if start_after:
        arguments["StartAfter"] = start_after
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(**arguments):
        keys.extend(item["Key"] for item in page.get("Contents", []))
    return sorted(keys)


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


def delete_prefix(s3: Any, bucket: str, prefix: str) -> int:
    """Remove what a rerun replaces (a partition of bucket B). Versioned buckets keep the
    old versions; the lifecycle rules expire them."""
    keys = list_keys(s3, bucket, prefix)
    for start in range(0, len(keys), 1000):
        chunk = [{"Key": key} for key in keys[start : start + 1000]]
        s3.delete_objects(Bucket=bucket, Delete={"Objects": chunk, "Quiet": True})
    return len(keys)


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
