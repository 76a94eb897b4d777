"""Small-object I/O on local paths or s3:// URIs (results, manifests, history documents).

Spark reads and writes the data itself; this covers the JSON documents around it. S3 access
goes through boto3 with the standard endpoint settings (AWS_ENDPOINT_URL), so the same code
reaches AWS or the local emulator.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

_CLIENT_SETTINGS = ("AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE",
                    "AWS_ACCESS_KEY_ID")  # fmt: skip
_clients: dict[tuple[str | None, ...], Any] = {}
_clients_lock = threading.Lock()


def is_s3(uri: str) -> bool:
    return uri.startswith(("s3://", "s3a://"))


def join(base: str, *parts: str) -> str:
    return "/".join([base.rstrip("/"), *[p.strip("/") for p in parts]])


def s3_client() -> Any:
    """A boto3 S3 client for the environment's settings, made once per settings and shared
    (clients are thread-safe; making them from several threads at once is not)."""
    settings = tuple(os.environ.get(name) for name in _CLIENT_SETTINGS)
    with _clients_lock:
        if settings not in _clients:
            import boto3

            _clients[settings] = boto3.session.Session().client("s3")
        return _clients[settings]


def bucket_key(uri: str) -> tuple[str, str]:
    parsed = urlparse(uri)
    return parsed.netloc, parsed.path.lstrip("/")


def write_text(uri: str, text: str, content_type: str = "application/json") -> None:
    if is_s3(uri):
        bucket, key = bucket_key(uri)
        s3_client().put_object(
            Bucket=bucket, Key=key, Body=text.encode("utf-8"), ContentType=content_type
        )
        return
    path = Path(uri)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)  # readers never see half a document


def read_text(uri: str) -> str:
    if is_s3(uri):
        bucket, key = bucket_key(uri)
        body = s3_client().get_object(Bucket=bucket, Key=key)["Body"].read()
        return bytes(body).decode("utf-8")
    return Path(uri).read_text(encoding="utf-8")


def list_files(root: str, suffix: str = "") -> list[str]:
    """Every file under root (recursively) whose name ends with suffix, sorted."""
    if is_s3(root):
        bucket, prefix = bucket_key(root)
        prefix = prefix.rstrip("/") + "/"
        keys = list_keys(s3_client(), bucket, prefix)
        return [f"s3://{bucket}/{key}" for key in keys if key.endswith(suffix)]
    base = Path(root)
    if not base.exists():
        return []
    return sorted(str(p) for p in base.rglob(f"*{suffix}") if p.is_file())


def exists(root: str) -> bool:
    """Whether a local path exists, or an S3 prefix holds at least one object."""
    if is_s3(root):
        bucket, prefix = bucket_key(root)
        response = s3_client().list_objects_v2(
            Bucket=bucket, Prefix=prefix.rstrip("/") + "/", MaxKeys=1
        )
        return bool(response.get("KeyCount"))
    return Path(root).exists()


def copy(source: str, target: str) -> None:
    """One file or object to another place (S3 to S3 is a server-side copy)."""
    if is_s3(target):
        bucket, key = bucket_key(target)
        if is_s3(source):
            from_bucket, from_key = bucket_key(source)
            copy_source = {"Bucket": from_bucket, "Key": from_key}
            s3_client().copy(copy_source, bucket, key)
        else:
            s3_client().upload_file(source, bucket, key)
        return
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    if is_s3(source):
        from_bucket, from_key = bucket_key(source)
        s3_client().download_file(from_bucket, from_key, target)
    else:
        shutil.copyfile(source, target)


def remove_tree(root: str) -> None:
    """Delete a local directory, or every object under an S3 prefix (nothing there: no-op)."""
    if not is_s3(root):
        shutil.rmtree(root, ignore_errors=True)
        return
    bucket, prefix = bucket_key(root)
    delete_prefix(s3_client(), bucket, prefix.rstrip("/") + "/")


def list_keys(s3: Any, bucket: str, prefix: str, start_after: str = "") -> list[str]:
    """Every key under a prefix (all pages; after `start_after` when given), sorted."""
    arguments: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
    if start_after:
        arguments["StartAfter"] = start_after
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(**arguments):
        keys.extend(item["Key"] for item in page.get("Contents", []))
    return sorted(keys)


def delete_prefix(s3: Any, bucket: str, prefix: str) -> int:
    """Every object under a prefix deleted (in requests of 1,000); returns how many. Versioned
    buckets keep the old versions; the lifecycle rules expire them."""
    keys = list_keys(s3, bucket, prefix)
    for start in range(0, len(keys), 1000):
        chunk = [{"Key": key} for key in keys[start : start + 1000]]
        s3.delete_objects(Bucket=bucket, Delete={"Objects": chunk, "Quiet": True})
    return len(keys)
