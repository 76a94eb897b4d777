"""moto's server, with DynamoDB requests handled one at a time as DynamoDB's writes are
atomic.

moto checks an update's ConditionExpression and then applies it without a lock, and its
server is threaded: two concurrent conditional updates of one item can both pass the
check (seen in CI: two of four concurrent escalation checkers both paged tier 2, where
DynamoDB lets exactly one win). This wraps moto's WSGI application so DynamoDB requests
(X-Amz-Target DynamoDB_*) run one at a time; every other service stays concurrent, and
everything else is moto's own `moto.server.main`. Started by infra.emulator.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto import server

_DYNAMODB_TARGET = "DynamoDB"


class _OneDynamoDBRequestAtATime:
    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.debug = False  # moto.server.main sets it on the application it builds
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if not str(environ.get("HTTP_X_AMZ_TARGET", "")).startswith(_DYNAMODB_TARGET):
            return self.app(environ, start_response)
        with self._lock:  # moto's response body is built by the time the app returns
            return list(self.app(environ, start_response))


def main() -> None:
    build = server.DomainDispatcherApplication

    def serialised(*args: Any, **kwargs: Any) -> _OneDynamoDBRequestAtATime:
        return _OneDynamoDBRequestAtATime(build(*args, **kwargs))

    server.DomainDispatcherApplication = serialised  # type: ignore[misc,assignment]
    server.main()


if __name__ == "__main__":
    main()
