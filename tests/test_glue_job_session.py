"""The Glue job starts Glue's SparkContext with the settings the engine's kept rows need."""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from fintech_dq.spark_session import KEPT_ROWS_CONF

SCRIPT = Path(__file__).resolve().parents[1] / "glue_jobs" / "validate_transactions.py"


def test_on_glue_the_context_starts_with_kryo(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = importlib.util.spec_from_file_location("glue_validate_script", SCRIPT)
    assert spec and spec.loader
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)

    class FakeGlueContext:  # awsglue exists only on Glue
        def __init__(self, context: Any) -> None:
            self.spark_session = ("glue session of", context)

    awsglue = types.ModuleType("awsglue")
    context_module = types.ModuleType("awsglue.context")
    context_module.GlueContext = FakeGlueContext  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "awsglue", awsglue)
    monkeypatch.setitem(sys.modules, "awsglue.context", context_module)
    started: list[Any] = []

    def get_or_create(conf: Any = None) -> str:
        started.append(conf)
        return "context"

    from pyspark.context import SparkContext

    monkeypatch.setattr(SparkContext, "getOrCreate", staticmethod(get_or_create))

    assert script.spark_session() == ("glue session of", "context")
    (conf,) = started
    for key, value in KEPT_ROWS_CONF.items():
        assert conf.get(key) == value
