"""Handing files to Spark: how to name them, how Spark names them back, how it splits them.

Several files are read by one Spark scan (a plan per file costs more than a small file's
rows), so each row's file comes from `_metadata.file_path`, which Spark spells as a
percent-encoded URI; it is mapped back to the path the caller gave. Local files are named
`file:/abs/path`; s3:// objects keep their URI (S3A locally, EMRFS on Glue).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from urllib.parse import unquote, urlparse

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

NO_SPLIT = 1 << 50
_PARTITION_CONF = ("spark.sql.files.maxPartitionBytes", "spark.sql.files.openCostInBytes")
_MAX_PARTITIONS_CONF = "spark.sql.files.maxPartitionNum"
_GLOB_CHARS = re.compile(r"([\\\[\]{}*?])")
_FILE_SCHEME = "^file:/*"


def spark_path(path: str) -> str:
    """A path as Spark must be given it: absolute, no glob meaning in its characters."""
    if _is_s3(path):
        return _GLOB_CHARS.sub(r"\\\1", path)
    return "file:" + _GLOB_CHARS.sub(r"\\\1", os.path.abspath(path))


def spark_ignores(name: str) -> bool:
    """Spark silently skips such file names even when given explicitly (HadoopFSUtils)."""
    if name.startswith(("_common_metadata", "_metadata")):
        return False
    return (name.startswith("_") and "=" not in name) or name.startswith(".")


def file_key() -> Column:
    """Each row's file as Spark spells it, without the scheme: a percent-encoded path."""
    return F.regexp_replace(F.col("_metadata.file_path"), _FILE_SCHEME, "/")


def file_keys(frame: DataFrame, read_paths: Sequence[str]) -> dict[str, str]:
    """read path -> its `file_key()` value, from the files Spark lists for `frame`."""
    wanted = {path if _is_s3(path) else os.path.realpath(path): path for path in read_paths}
    keys: dict[str, str] = {}
    for uri in frame.inputFiles():
        path = wanted.get(_listed_path(uri))
        if path is None:
            raise RuntimeError(f"Spark lists {uri}, which is none of the files to read")
        keys[path] = re.sub(_FILE_SCHEME, "/", uri)
    unseen = sorted(set(read_paths) - set(keys))
    if unseen:
        raise RuntimeError(f"Spark does not list {', '.join(unseen)}")
    return keys


def _listed_path(uri: str) -> str:
    """A URI Spark lists as the read path it stands for (real path of a local file)."""
    if _is_s3(uri):
        return unquote(uri)
    return os.path.realpath(unquote(urlparse(uri).path))


def _is_s3(path: str) -> bool:
    return path.startswith(("s3://", "s3a://"))


def lookup(mapping: dict[str, str], key: Column) -> Column:
    """`mapping[key]` as a Spark expression (null for a key not in it)."""
    pairs = [F.lit(item) for entry in mapping.items() for item in entry]
    return F.create_map(*pairs)[key]


@contextmanager
def file_partitioning(spark: SparkSession, split_bytes: int) -> Iterator[None]:
    """Splits of exactly split_bytes, each its own partition (the open cost forbids packing).

    Spark reads these settings when it plans a query, so the query must be planned inside.
    """
    saved = {key: spark.conf.get(key, None) for key in (*_PARTITION_CONF, _MAX_PARTITIONS_CONF)}
    try:
        for key in _PARTITION_CONF:
            spark.conf.set(key, str(split_bytes))
        spark.conf.unset(_MAX_PARTITIONS_CONF)
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                spark.conf.unset(key)
            else:
                spark.conf.set(key, value)
