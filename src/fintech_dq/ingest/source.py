"""Where delivered files are read from: local paths or s3:// objects. The one place that tells
them apart; discovery, inspection, split sizing and manifests all go through `Inputs`.

An S3 prefix is walked like a local directory (folders and names starting with "." or "_"
are skipped); object sizes come from the listing, contents are streamed with GetObject.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from typing import IO, Any

from fintech_dq import storage

_SKIPPED = (".", "_")


class Inputs:
    """One run's view of its inputs (remembers S3 object sizes from the listings)."""

    def __init__(self) -> None:
        self._sizes: dict[str, int] = {}  # s3 URI -> size, for every object listed
        self._listed: list[str] = []  # s3 prefixes listed in full (ending in "/")
        self._lock = threading.Lock()

    def expand(self, given: str) -> list[str]:
        """The files `given` stands for: itself, or every file under it (skip rules applied).
        Raises ValueError naming `given` when it does not exist."""
        if storage.is_s3(given):
            return self._s3_expand(given)
        if os.path.isdir(given):
            found = []
            for root, dirs, names in os.walk(given):
                dirs[:] = [d for d in dirs if not d.startswith(_SKIPPED)]
                found += [os.path.join(root, n) for n in names if not n.startswith(_SKIPPED)]
            return found
        if os.path.isfile(given):
            return [given]
        raise ValueError(f"input {given} does not exist")

    def identity(self, path: str) -> str:
        """What makes two spellings the same file (a local path's real path; the URI)."""
        return path if storage.is_s3(path) else os.path.realpath(path)

    def size(self, path: str) -> int:
        if not storage.is_s3(path):
            return os.path.getsize(path)
        with self._lock:
            known = self._sizes.get(path)
        if known is not None:
            return known
        bucket, key = storage.bucket_key(path)
        return int(
            _s3_call(path, storage.s3_client().head_object, Bucket=bucket, Key=key)["ContentLength"]
        )

    @contextmanager
    def open(self, path: str) -> Iterator[IO[bytes]]:
        """The bytes as delivered, streamed (no decoding of any kind)."""
        if not storage.is_s3(path):
            with open(path, "rb") as handle:
                yield handle
            return
        bucket, key = storage.bucket_key(path)
        body = _s3_call(path, storage.s3_client().get_object, Bucket=bucket, Key=key)["Body"]
        with closing(body):
            yield body

    def read_text(self, path: str) -> str | None:
        """A small UTF-8 document (a manifest), or None when there is none at `path`."""
        if not storage.is_s3(path):
            if not os.path.isfile(path):
                return None
            with open(path, encoding="utf-8") as handle:
                return handle.read()
        with self._lock:
            listed = path in self._sizes or not any(path.startswith(p) for p in self._listed)
        if not listed:
            return None  # its folder was listed in full, and it was not there
        try:
            with self.open(path) as body:
                return bytes(body.read()).decode("utf-8")
        except FileNotFoundError:
            return None

    def _s3_expand(self, given: str) -> list[str]:
        bucket, key = storage.bucket_key(given)
        prefix = key if key.endswith("/") or not key else key + "/"
        objects = self._list(given, bucket, prefix)
        if objects:
            found = []
            for uri, relative in objects:
                *folders, name = relative.split("/")
                if name and not any(part.startswith(_SKIPPED) for part in (*folders, name)):
                    found.append(uri)
            return found
        if key and not key.endswith("/"):
            try:
                size = self.size(given)
            except FileNotFoundError:
                pass
            else:
                with self._lock:
                    self._sizes[given] = size
                return [given]
        raise ValueError(f"input {given} does not exist (no object and nothing under it)")

    def _list(self, given: str, bucket: str, prefix: str) -> list[tuple[str, str]]:
        """(URI, key relative to prefix) of every object under prefix, remembering sizes."""
        scheme = given.split("://", 1)[0]
        found = []
        pages = storage.s3_client().get_paginator("list_objects_v2")
        for page in _s3_call(given, lambda: list(pages.paginate(Bucket=bucket, Prefix=prefix))):
            for item in page.get("Contents", []):
                uri = f"{scheme}://{bucket}/{item['Key']}"
                found.append((uri, item["Key"][len(prefix) :]))
                with self._lock:
                    self._sizes[uri] = int(item["Size"])
        with self._lock:
            self._listed.append(f"{scheme}://{bucket}/{prefix}")
        return found


def _s3_call(uri: str, call: Any, **arguments: Any) -> Any:
    """An S3 request about `uri`; a missing object or bucket as FileNotFoundError, any other
    refusal as OSError, both naming the URI."""
    from botocore.exceptions import ClientError

    try:
        return call(**arguments)
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        if code in ("NoSuchKey", "404", "NotFound"):
            raise FileNotFoundError(f"{uri}: no such object") from error
        if code == "NoSuchBucket":
            raise ValueError(f"input {uri} does not exist (no bucket by that name)") from error
        raise OSError(f"{uri}: S3 refused the request ({code or error})") from error
