"""Small-object I/O on local paths or s3:// URIs (results, manifests, history documents).

Spark reads and writes the data itself; this covers the JSON documents around it. S3 access
goes through boto3 with the standard endpoint settings (AWS_ENDPOINT_URL), so the same code
reaches AWS or the local emulator.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlparse


def is_s3(uri: str) -> bool:
    return uri.startswith(("s3://", "s3a://"))


def join(base: str, *parts: str) -> str:
    return "/".join([base.rstrip("/"), *[p.strip("/") for p in parts]])


def _s3() -> Any:
    import boto3

    return boto3.client("s3")


def _bucket_key(uri: str) -> tuple[str, str]:
    parsed = urlparse(uri)
    return parsed.netloc, parsed.path.lstrip("/")


def write_text(uri: str, text: str, content_type: str = "application/json") -> None:
    if is_s3(uri):
        bucket, key = _bucket_key(uri)
        _s3().put_object(
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
        bucket, key = _bucket_key(uri)
        body = _s3().get_object(Bucket=bucket, Key=key)["Body"].read()
        return bytes(body).decode("utf-8")
    return Path(uri).read_text(encoding="utf-8")


def list_files(root: str, suffix: str = "") -> list[str]:
    """Every file under root (recursively) whose name ends with suffix, sorted."""
    if is_s3(root):
        bucket, prefix = _bucket_key(root)
        prefix = prefix.rstrip("/") + "/"
        found: list[str] = []
        paginator = _s3().get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            found.extend(
                f"s3://{bucket}/{item['Key']}"
                for item in page.get("Contents", [])
                if item["Key"].endswith(suffix)
            )
        return sorted(found)
    base = Path(root)
    if not base.exists():
        return []
    return sorted(str(p) for p in base.rglob(f"*{suffix}") if p.is_file())


def exists(root: str) -> bool:
    """Whether a local path exists, or an S3 prefix holds at least one object."""
    if is_s3(root):
        bucket, prefix = _bucket_key(root)
        response = _s3().list_objects_v2(Bucket=bucket, Prefix=prefix.rstrip("/") + "/", MaxKeys=1)
        return bool(response.get("KeyCount"))
    return Path(root).exists()
