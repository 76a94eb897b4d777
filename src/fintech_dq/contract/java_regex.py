"""Rule patterns judged by the regex engine that runs them: java.util.regex.Pattern.

The engine matches `pattern` rules with Spark's rlike, that is Java's regex syntax, which is
not Python's: `^[0-9]{4$` compiles in Python (the brace taken literally) and stops the run
with Java's PatternSyntaxException in the middle of the first Spark job; `^\\p{Digit}{4}$`
is valid Java that Python refuses. So a pattern is only ever judged by Java:

- `fdq validate` (engine.runner) compiles every pattern with the Spark session's JVM before
  any Spark job, and stops with a rules-file error naming the file, line and rule id;
- `fdq rules check` has no Spark session; it starts a bare JVM (java and the py4j jar
  PySpark ships, about a second: a Spark session takes several) on the first pattern, and
  when no Java runtime can be started says so in a note, since Python cannot stand in;
- load_rules without a compiler (as a Lambda or the DAGs load the rules) leaves pattern
  syntax unjudged: those never run a pattern.

What is compiled is what the engine runs (whole_value_regex: a trailing `$` becomes `\\z`).
"""

from __future__ import annotations

import glob
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fintech_dq.contract.model import DatasetRules

# A compiler: None when the Java regex compiles, else why not (one line).
JavaRegexCompiler = Callable[[str], "str | None"]


def whole_value_regex(regex: str) -> str:
    """A trailing `$` as the end of the value: in Java regex `$` also matches before a final
    line break, so "TX12345678\\n" would pass `^...$`; `\\z` matches only at the very end."""
    if regex.endswith("$") and not regex.endswith("\\$"):
        return regex[:-1] + "\\z"
    return regex


def pattern_problem(rule_id: str, pattern: str, compile_java: JavaRegexCompiler) -> str | None:
    """The problem text for a rule's pattern that Java does not compile (None: it does)."""
    reason = compile_java(whole_value_regex(pattern))
    if reason is None:
        return None
    return f"rule '{rule_id}': pattern does not compile as a Java regex: {reason}"


def pattern_problems(rules: DatasetRules, compile_java: JavaRegexCompiler) -> list[str]:
    """Every pattern rule whose pattern Java does not compile, as 'file:line:column: text'."""
    problems = []
    for rule in rules.row_rules:
        pattern = rule.params.get("pattern")
        if rule.type != "pattern" or not isinstance(pattern, str):
            continue
        problem = pattern_problem(rule.id, pattern, compile_java)
        if problem:
            line, column = rule.key_positions.get("pattern", (rule.line, 1))
            problems.append(f"{rules.source_path}:{line}:{column}: {problem}")
    return problems


def jvm_compiler(jvm: Any) -> JavaRegexCompiler:
    """Compile with java.util.regex.Pattern in a Py4J JVM (a Spark session's `_jvm`)."""
    pattern_class = jvm.java.util.regex.Pattern

    def compile_java(regex: str) -> str | None:
        try:
            pattern_class.compile(regex)
        except Exception as error:  # Py4JJavaError, or PySpark's own wrapping of it
            cause = getattr(error, "java_exception", None) or getattr(error, "_origin", None)
            try:
                return f"{cause.getDescription()} near index {cause.getIndex()}"  # type: ignore[union-attr]
            except Exception:  # not a PatternSyntaxException: its message, on one line
                return " ".join(str(error).split()[:30])
        return None

    return compile_java


class StandaloneJavaRegex:
    """A compiler that starts a bare JVM on first use (java and PySpark's py4j jar).

    `unavailable`: why no JVM could be started (then nothing is judged), else None.
    """

    def __init__(self) -> None:
        self.unavailable: str | None = None
        self._gateway: Any = None
        self._compile: JavaRegexCompiler | None = None

    def __call__(self, regex: str) -> str | None:
        if self._compile is None and self.unavailable is None:
            self._start()
        return None if self._compile is None else self._compile(regex)

    def _start(self) -> None:
        from py4j.java_gateway import GatewayParameters, JavaGateway, launch_gateway

        java = _java_executable()
        jar = _py4j_jar()
        if java is None or jar is None:
            self.unavailable = "no Java runtime found" if java is None else "no py4j jar found"
            return
        try:
            port = launch_gateway(jarpath=jar, java_path=java, die_on_exit=True)
            self._gateway = JavaGateway(gateway_parameters=GatewayParameters(port=port))
            self._compile = jvm_compiler(self._gateway.jvm)
        except Exception as error:  # the JVM did not start: said, not guessed around
            self.unavailable = f"Java could not be started ({error})"

    def close(self) -> None:
        if self._gateway is not None:
            self._gateway.shutdown()
            self._gateway = None


@contextmanager
def standalone_java_regex() -> Iterator[StandaloneJavaRegex]:
    compiler = StandaloneJavaRegex()
    try:
        yield compiler
    finally:
        compiler.close()


def _java_executable() -> str | None:
    """The java Spark would run: $JAVA_HOME/bin/java, else java on the PATH."""
    home = os.environ.get("JAVA_HOME")
    if home and os.path.isfile(os.path.join(home, "bin", "java")):
        return os.path.join(home, "bin", "java")
    return shutil.which("java")


def _py4j_jar() -> str | None:
    import pyspark

    jars = sorted(glob.glob(os.path.join(os.path.dirname(pyspark.__file__), "jars", "py4j-*.jar")))
    return jars[-1] if jars else None
