"""One streaming read of each file on the driver, before Spark touches it.

It computes the sha256 of the file as delivered and, in the same read, proves a gzip stream
whole (Spark would fail the whole job on a truncated one), keeps the first lines (CSV header,
JSON keys) and notes what decides the Spark plan: any invalid UTF-8 or quote character at all
(most files have neither, so the per-line checks for them can be left out), in a CSV file any
line with an odd number of quotes (a quoted field may then hold a line break, and only such
files need their lines joined into records), and where Spark will split a large plain file
(so line numbers can be counted from each split's start).
A damaged gzip file is decompressed as far as it goes into a staged plain copy.
"""

from __future__ import annotations

import atexit
import codecs
import contextlib
import hashlib
import itertools
import os
import shutil
import tempfile
import threading
import uuid
import zlib
from contextlib import ExitStack
from dataclasses import dataclass, field

from fintech_dq import storage
from fintech_dq.ingest.source import Inputs
from fintech_dq.ingest.spark_files import spark_ignores

CHUNK_BYTES = 1 << 20
SALVAGE_FEED_BYTES = 1 << 10  # small feeds: an error loses the output of one feed only
PREFIX_BYTES = 8 << 20
SUFFIX_BYTES = 8  # the end of the content kept: Parquet's footer length and magic number
PREFIX_LINES = 1001  # the CSV header, and the records whose JSON keys are sampled
# Quotes looked at one by one in a chunk (a find each) before the rest of it is reduced with
# translate, which costs about as much as the sha256 but does not depend on how many there are.
QUOTES_ONE_BY_ONE = 256
_NOT_QUOTE_OR_BREAK = bytes(b for b in range(256) if b not in b'"\r\n')
_GZIP_WBITS = 16 + zlib.MAX_WBITS


@dataclass(frozen=True)
class Damage:
    """Where a gzip stream stops: the lines before are good, `tail` is the cut-off rest."""

    reason: str  # for the rejected row that stands for the lost rest
    good_lines: int
    tail: bytes
    error: str | None  # zlib's complaint; None when the stream just stops (truncated)


@dataclass
class Inspection:
    sha256: str
    size_bytes: int
    content_bytes: int  # decompressed
    read_path: str  # the file itself, or a staged plain copy Spark can read
    staged: bool
    prefix: bytes  # start of the content, decompressed
    prefix_is_all: bool
    suffix: bytes  # end of the content, decompressed (SUFFIX_BYTES)
    has_quote: bool
    invalid_utf8: bool
    lone_cr: bool  # a bare CR ends lines for Spark's reader too: then the file is never split
    # a line with an odd number of quotes ends before the content does (looked for in CSV
    # only): a quoted field may hold a line break
    odd_quote_line: bool = False
    split_bytes: int | None = None  # the split size newlines_before was counted for
    newlines_before: dict[int, int] = field(default_factory=dict)  # split offset -> LF count
    damage: Damage | None = None


class Staging:
    """Where ingest puts what Spark cannot read as sent: plain copies of damaged gzip files or
    Parquet inside gzip, links to (or copies of) files with names Spark skips.

    root None: a local temp directory. root an s3:// URI (a Glue job's TempDir): a prefix
    `<root>/fdq-ingest-<random>/` the cluster can read; copies are written locally first and
    uploaded by `publish`. `directory` is what `remove` deletes (RawBatch.close).
    """

    def __init__(self, root: str | None = None) -> None:
        self.root = root
        self.directory: str | None = None
        self._scratch: str | None = None  # local files before upload (S3 root only)
        self._lock = threading.Lock()
        self._numbers = itertools.count()

    def path_for(self, source: str, suffix: str) -> str:
        """A new local path for a plain copy of `source` (gzip suffix dropped, `suffix` added);
        `publish` it once written."""
        base = os.path.basename(source)
        stem = base[: -len(".gz")] if base.lower().endswith(".gz") else base
        return self._new_path(os.path.splitext(stem)[0] + suffix, local=True)

    def publish(self, local_path: str) -> str:
        """Where Spark reads a copy written at a `path_for` path (uploaded for an S3 root)."""
        if self._scratch is None or not local_path.startswith(self._scratch):
            return local_path
        target = storage.join(self._directory(), os.path.basename(local_path))
        storage.copy(local_path, target)
        os.remove(local_path)
        return target

    def spark_visible(self, path: str) -> str:
        """`path`, or a link to it under a name Spark does not skip (see spark_ignores)."""
        if not spark_ignores(os.path.basename(path)):
            return path
        copy = self._new_path(os.path.basename(path), local=False)
        if storage.is_s3(path) or storage.is_s3(copy):
            storage.copy(path, copy)
            return copy
        try:
            os.symlink(os.path.abspath(path), copy)
        except OSError:
            shutil.copyfile(path, copy)
        return copy

    def remove(self) -> None:
        """Delete every staged copy (the local scratch files too)."""
        for place in (self.directory, self._scratch):
            if place:
                storage.remove_tree(place)
        self.directory = self._scratch = None

    def _new_path(self, name: str, local: bool) -> str:
        with self._lock:
            index = next(self._numbers)
        name = f"{index:05d}-{name}"
        if local and self.root is not None and storage.is_s3(self.root):
            return os.path.join(self._scratch_directory(), name)
        return storage.join(self._directory(), name)

    def _directory(self) -> str:
        with self._lock:
            if self.directory is None:
                if self.root is None:
                    self.directory = tempfile.mkdtemp(prefix="fdq-ingest-")
                elif storage.is_s3(self.root):
                    self.directory = storage.join(self.root, f"fdq-ingest-{uuid.uuid4().hex}")
                else:
                    os.makedirs(self.root, exist_ok=True)
                    self.directory = tempfile.mkdtemp(prefix="fdq-ingest-", dir=self.root)
                atexit.register(_remove_quietly, self.directory)
            return self.directory

    def _scratch_directory(self) -> str:
        with self._lock:
            if self._scratch is None:
                self._scratch = tempfile.mkdtemp(prefix="fdq-ingest-scratch-")
                atexit.register(shutil.rmtree, self._scratch, True)
            return self._scratch


def _remove_quietly(place: str) -> None:
    with contextlib.suppress(Exception):  # at exit: the prefix may be gone, or S3 unreachable
        storage.remove_tree(place)


class _ContentStats:
    def __init__(self, split_bytes: int | None, quote_lines: bool = False) -> None:
        self.length = 0
        self.prefix = bytearray()
        self.prefix_done = False
        self.suffix = b""
        self.has_quote = False
        self.invalid_utf8 = False
        self.lone_cr = False
        self.odd_quote_line = False
        self._quote_lines = quote_lines
        self._open_quote = False  # an odd number of quotes so far in the current line
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._pending = False
        self._last_cr = False
        self._split_bytes = split_bytes
        self._next_split = split_bytes or 0
        self._newlines = 0
        self.newlines_before: dict[int, int] = {}

    def feed(self, chunk: bytes) -> None:
        if not chunk:
            return
        if not self.prefix_done:
            self.prefix += chunk[: PREFIX_BYTES - len(self.prefix)]
            lines = self.prefix.count(b"\n") + self.prefix.count(b"\r")
            self.prefix_done = len(self.prefix) >= PREFIX_BYTES or lines > 2 * PREFIX_LINES
        self.suffix = (self.suffix + chunk[-SUFFIX_BYTES:])[-SUFFIX_BYTES:]
        self.has_quote = self.has_quote or b'"' in chunk
        if self._quote_lines and not self.odd_quote_line:
            self._check_quote_parity(chunk)
        self._check_utf8(chunk)
        self._check_cr(chunk)
        if self._split_bytes:
            self._count_newlines(chunk)
        self.length += len(chunk)

    def finish(self) -> None:
        if not self.invalid_utf8:
            try:
                self._decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                self.invalid_utf8 = True
        if self._last_cr:
            self.lone_cr = True

    def _check_utf8(self, chunk: bytes) -> None:
        if self.invalid_utf8 or (chunk.isascii() and not self._pending):
            return
        try:
            self._decoder.decode(chunk)
            self._pending = bool(self._decoder.getstate()[0])
        except UnicodeDecodeError:
            self.invalid_utf8 = True

    def _check_cr(self, chunk: bytes) -> None:
        if self._last_cr and not chunk.startswith(b"\n"):
            self.lone_cr = True
        if b"\r" in chunk and chunk.count(b"\r") > chunk.count(b"\r\n") + chunk.endswith(b"\r"):
            self.lone_cr = True
        self._last_cr = chunk.endswith(b"\r")

    def _check_quote_parity(self, chunk: bytes) -> None:
        """Whether a line ends with an odd number of quotes. Only the parity of quotes since
        the last line break matters, and a break matters only while that parity is odd."""
        start = 0
        for _ in range(QUOTES_ONE_BY_ONE):
            quote = chunk.find(b'"', start)
            end = len(chunk) if quote < 0 else quote
            if self._open_quote and _has_line_break(chunk, start, end):
                self.odd_quote_line = True
                return
            if quote < 0:
                return
            self._open_quote = not self._open_quote
            start = quote + 1
        # Many quotes (an all-quoted file): keep only quotes and breaks, cancel pairs of
        # quotes (never across a break), so each line keeps at most one quote: its parity.
        marks = chunk[start:].translate(None, _NOT_QUOTE_OR_BREAK)
        marks = ((b'"' if self._open_quote else b"") + marks).replace(b'""', b"")
        last_break = max(marks.rfind(b"\n"), marks.rfind(b"\r"))
        if last_break >= 0 and marks.find(b'"', 0, last_break) >= 0:
            self.odd_quote_line = True
        self._open_quote = marks.find(b'"', last_break + 1) >= 0

    def _count_newlines(self, chunk: bytes) -> None:
        assert self._split_bytes
        end = self.length + len(chunk)
        while self._next_split < end:
            cut = self._next_split - self.length
            self.newlines_before[self._next_split] = self._newlines + chunk.count(b"\n", 0, cut)
            self._next_split += self._split_bytes
        self._newlines += chunk.count(b"\n")


def _has_line_break(data: bytes, start: int, end: int) -> bool:
    return data.find(b"\n", start, end) >= 0 or data.find(b"\r", start, end) >= 0


class _Inflater:
    """gzip decompression across concatenated members (as gzip -d and Hadoop both accept)."""

    def __init__(self) -> None:
        self._d = zlib.decompressobj(_GZIP_WBITS)

    def feed(self, data: bytes) -> bytes:
        out = [self._d.decompress(data)]
        while self._d.eof and self._d.unused_data:
            rest = self._d.unused_data
            self._d = zlib.decompressobj(_GZIP_WBITS)
            out.append(self._d.decompress(rest))
        return b"".join(out)

    @property
    def complete(self) -> bool:
        return self._d.eof


def inspect_file(
    path: str,
    gzip: bool,
    split_bytes: int | None,
    stage_as: str | None,
    staging: Staging,
    inputs: Inputs | None = None,
    quote_lines: bool = False,
) -> Inspection:
    """Hash, check and profile one file in one read.

    split_bytes: where Spark will split this plain file (None: it will not). stage_as: a suffix
    when Spark cannot read the file as sent (Parquet inside gzip) and needs a plain copy.
    quote_lines: look for lines with an odd number of quotes (CSV: quoted fields may span lines).
    """
    inputs = inputs or Inputs()
    digest = hashlib.sha256()
    stats = _ContentStats(None if gzip else split_bytes, quote_lines)
    inflater = _Inflater() if gzip else None
    staged_path = staging.path_for(path, stage_as) if stage_as else None
    error: str | None = None
    size = 0
    with ExitStack() as stack:
        source = stack.enter_context(inputs.open(path))
        out = stack.enter_context(open(staged_path, "wb")) if staged_path else None
        while chunk := source.read(CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
            if inflater is None:
                stats.feed(chunk)
            elif error is None:
                try:
                    data = inflater.feed(chunk)
                except zlib.error as exc:
                    error = str(exc)
                    continue
                stats.feed(data)
                if out is not None:
                    out.write(data)
    damage = None
    if inflater is not None and (error is not None or not inflater.complete):
        staged_path = staged_path or staging.path_for(path, ".txt")
        damage, stats = _salvage(inputs, path, staged_path, error, quote_lines)
    stats.finish()
    return Inspection(
        sha256=digest.hexdigest(),
        size_bytes=size,
        content_bytes=stats.length,
        read_path=staging.publish(staged_path) if staged_path else path,
        staged=staged_path is not None,
        prefix=bytes(stats.prefix),
        prefix_is_all=len(stats.prefix) == stats.length,
        suffix=stats.suffix,
        has_quote=stats.has_quote,
        invalid_utf8=stats.invalid_utf8,
        lone_cr=stats.lone_cr,
        odd_quote_line=stats.odd_quote_line,
        split_bytes=None if damage or gzip else split_bytes,
        newlines_before=stats.newlines_before,
        damage=damage,
    )


def _salvage(
    inputs: Inputs, path: str, staged_path: str, error: str | None, quote_lines: bool
) -> tuple[Damage, _ContentStats]:
    """Decompress as far as the stream goes; keep whole lines; count them as Spark will."""
    inflater = _Inflater()
    stats = _ContentStats(None, quote_lines)
    lines = 0
    last_cr = False
    good_end = 0
    with inputs.open(path) as source, open(staged_path, "wb") as out:
        while feed := source.read(SALVAGE_FEED_BYTES):
            try:
                data = inflater.feed(feed)
            except zlib.error:
                break
            if not data:
                continue
            out.write(data)
            lines += data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")
            lines -= last_cr and data.startswith(b"\n")
            last_cr = data.endswith(b"\r")
            cut = max(data.rfind(b"\n"), data.rfind(b"\r"))
            if cut >= 0:
                good_end = stats.length + cut + 1
            stats.feed(data)
    with open(staged_path, "r+b") as out:
        out.seek(max(good_end - SUFFIX_BYTES, 0))
        stats.suffix = out.read(min(good_end, SUFFIX_BYTES))
        tail = out.read()
        out.truncate(good_end)
    if len(stats.prefix) > good_end:
        del stats.prefix[good_end:]
    stats.length = good_end
    if error is None:
        reason = f"file truncated: gzip stream ends unexpectedly after line {lines}"
    else:
        reason = f"file corrupt: gzip data cannot be decompressed after line {lines} ({error})"
    return Damage(reason=reason, good_lines=lines, tail=tail, error=error), stats
