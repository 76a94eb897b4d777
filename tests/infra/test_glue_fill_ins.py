"""Redeploying a Glue crawler or job: the emulator has no Update call, so a changed one is
deleted and created again, and an unchanged one is left alone (infra.fill_ins)."""

from __future__ import annotations

from typing import Any

from fintech_dq.infra.fill_ins import _put_glue_resource


class NotFound(Exception):
    pass


class FakeGlue:
    """The calls the fill-in makes, on one stored resource (None: not there)."""

    def __init__(self, stored: dict[str, Any] | None) -> None:
        self.stored = stored
        self.calls: list[str] = []

    def get(self) -> dict[str, Any]:
        self.calls.append("get")
        if self.stored is None:
            raise NotFound
        return self.stored

    def put(self, request: dict[str, Any]) -> str:
        return _put_glue_resource(
            "job",
            self.get,
            lambda: self._record("create", request),
            lambda: self._record("delete", None),
            NotFound,
            request,
        )

    def _record(self, call: str, stored: dict[str, Any] | None) -> None:
        self.calls.append(call)
        self.stored = stored


REQUEST = {"Name": "fdq-local-validate", "Timeout": 60, "Tags": {"app": "fdq"}}


def test_a_missing_job_is_created() -> None:
    glue = FakeGlue(None)
    assert glue.put(REQUEST) == "job"
    assert glue.calls == ["get", "create"] and glue.stored == REQUEST


def test_an_unchanged_job_is_left_in_place_whatever_its_tags() -> None:
    glue = FakeGlue({"Name": "fdq-local-validate", "Timeout": 60})
    assert glue.put(REQUEST) == "job (in place)"
    assert glue.calls == ["get"]


def test_a_changed_job_is_re_created_naming_what_changed() -> None:
    glue = FakeGlue({"Name": "fdq-local-validate", "Timeout": 30})
    assert glue.put(REQUEST) == "job (re-created: Timeout changed)"
    assert glue.calls == ["get", "delete", "create"] and glue.stored == REQUEST
