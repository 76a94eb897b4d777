"""The deployable artefacts, built from the working tree the same way every time.

- the Glue job scripts (glue_jobs/*.py);
- the core package as a zip for Glue's --extra-py-files (fintech_dq/ at the zip's root)
  and its pinned third-party modules for --additional-python-modules;
- the core package as a Lambda layer (python/fintech_dq plus its pinned dependencies,
  fetched with pip for the Lambda platform: manylinux x86_64, CPython 3.12), and the zip of
  lambdas/ that the functions run;
- for MWAA: requirements.txt (the Airflow constraints line, then the pins the DAGs need),
  plugins.zip (the core package and plugins/), startup.sh (the runtime settings) and dags/.

Zips are reproducible (sorted entries, fixed timestamps), so an unchanged tree gives the
same bytes, the same content-addressed keys and no change set.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

from fintech_dq import __version__

AIRFLOW_VERSION = "3.3.1"
MWAA_PYTHON = "3.12"
MWAA_CONSTRAINT_LINE = (
    f'--constraint "https://raw.githubusercontent.com/apache/airflow/'
    f'constraints-{AIRFLOW_VERSION}/constraints-{MWAA_PYTHON}.txt"'
)
LAMBDA_PYTHON = "3.12"
LAMBDA_PLATFORM = "manylinux2014_x86_64"
# What the DAGs import beyond the core package's own dependencies (MWAA's image has the
# Amazon provider; common-messaging carries the SQS asset watcher).
MWAA_EXTRA_REQUIREMENTS = (
    "apache-airflow-providers-common-messaging",
    # the async hooks behind the deferrable sensors and the SQS asset watcher
    "aiobotocore",
)
LAMBDA_EXTRA_REQUIREMENTS = ("aws-lambda-powertools", "pydantic")
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_COMPLETE_MARK = ".fdq-complete"
_SKIPPED_PARTS = {"__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache"}


class PackagingError(RuntimeError):
    """An artefact cannot be built (missing pin, pip failure, no project tree)."""


@dataclass(frozen=True)
class Artefact:
    role: str
    """What it is for: glue-script, core-zip, layer, functions, requirements, plugins,
    startup, dag."""
    path: Path
    bucket: str
    """Which bucket: "artefacts" or "airflow" (the MWAA source bucket)."""
    key: str
    sha256: str

    @property
    def size(self) -> int:
        return self.path.stat().st_size


@dataclass(frozen=True)
class Build:
    artefacts: tuple[Artefact, ...]
    additional_python_modules: str
    """Glue's --additional-python-modules value: the core package's pinned dependencies."""

    def one(self, role: str) -> Artefact:
        matches = [a for a in self.artefacts if a.role == role]
        if len(matches) != 1:
            raise PackagingError(f"expected one {role} artefact, found {len(matches)}")
        return matches[0]

    def all(self, role: str) -> list[Artefact]:
        return [a for a in self.artefacts if a.role == role]


def project_root(start: Path | None = None) -> Path:
    """The checkout that holds pyproject.toml and cloudformation/ (cwd upwards, else the
    tree this package was installed from in editable mode)."""
    candidates = [start or Path.cwd(), *(start or Path.cwd()).parents]
    candidates.append(Path(__file__).resolve().parents[3])
    for candidate in candidates:
        if (candidate / "pyproject.toml").exists() and (candidate / "cloudformation").is_dir():
            return candidate
    raise PackagingError("no project checkout (pyproject.toml and cloudformation/) found")


def pinned_requirements(root: Path) -> dict[str, str]:
    """Normalised name -> "name==version" from requirements.txt."""
    pins: dict[str, str] = {}
    for line in (root / "requirements.txt").read_text(encoding="utf-8").splitlines():
        text = line.split("#", 1)[0].strip()
        if "==" in text and not text.startswith("-"):
            name = text.split("==", 1)[0].strip()
            pins[_normalise(name)] = text
    return pins


def core_dependencies(root: Path) -> list[str]:
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [str(d) for d in project.get("dependencies", [])]


def pins_for(root: Path, names: list[str] | tuple[str, ...]) -> list[str]:
    pins = pinned_requirements(root)
    missing = [name for name in names if _normalise(name) not in pins]
    if missing:
        raise PackagingError(f"no pin in requirements.txt for: {', '.join(missing)}")
    return [pins[_normalise(name)] for name in names]


def mwaa_requirements(root: Path) -> str:
    lines = [MWAA_CONSTRAINT_LINE]
    lines += pins_for(root, [*MWAA_EXTRA_REQUIREMENTS, *core_dependencies(root)])
    return "\n".join(lines) + "\n"


def startup_script(env_name: str, account: str | None = None) -> str:
    # The account lets the event-driven DAG build the landing queue's URL (its asset
    # watcher needs a URL, and DAG files make no AWS call while they are parsed).
    account_line = [f"export FDQ_AWS_ACCOUNT_ID={account}"] if account else []
    return "\n".join(
        [
            "#!/bin/sh",
            "# MWAA runs this before Airflow starts on every container: the runtime settings",
            "# the core package reads (written by fdq deploy; edit the deploy, not this file).",
            "export FDQ_RUNTIME=aws",
            # Every resource name (bus, Glue database, job, crawler) derives from it
            # (pipeline.locations): one setting, nothing to keep in step.
            f"export FDQ_ENV_NAME={env_name}",
            *account_line,
            "",
        ]
    )


def build(
    root: Path,
    out_dir: Path,
    env_name: str,
    *,
    layer_dependencies: bool = True,
    cache_dir: Path | None = None,
    account: str | None = None,
) -> Build:
    out_dir.mkdir(parents=True, exist_ok=True)
    artefacts: list[Artefact] = []

    for script in sorted((root / "glue_jobs").glob("*.py")):
        data = script.read_bytes()
        digest = _sha(data)
        target = out_dir / "glue" / script.name
        _write(target, data)
        artefacts.append(
            Artefact(
                "glue-script",
                target,
                "artefacts",
                f"glue/scripts/{digest[:12]}/{script.name}",
                digest,
            )
        )

    package_files = _package_files(root)
    core_zip = _zip(out_dir / "fintech_dq.zip", package_files)
    artefacts.append(
        _addressed("core-zip", core_zip, "glue/lib", f"fintech_dq-{__version__}", "zip")
    )

    layer_entries = [(f"python/{name}", data) for name, data in package_files]
    if layer_dependencies:
        layer_pins = pins_for(root, [*core_dependencies(root), *LAMBDA_EXTRA_REQUIREMENTS])
        vendored = _vendored_dependencies(layer_pins, cache_dir or out_dir.parent / "cache")
        layer_entries += [(f"python/{name}", data) for name, data in _tree_files(vendored)]
    layer = _zip(out_dir / "fintech_dq-layer.zip", layer_entries)
    artefacts.append(_addressed("layer", layer, "lambda", f"fintech_dq-layer-{__version__}", "zip"))

    function_files = _tree_files(root / "lambdas") if (root / "lambdas").is_dir() else []
    functions = _zip(out_dir / "functions.zip", function_files)
    artefacts.append(_addressed("functions", functions, "lambda", "functions", "zip"))

    requirements = out_dir / "mwaa" / "requirements.txt"
    _write(requirements, mwaa_requirements(root).encode())
    artefacts.append(_fixed("requirements", requirements, "requirements.txt"))
    plugin_files = list(package_files)
    if (root / "plugins").is_dir():
        plugin_files += _tree_files(root / "plugins")
    plugins = _zip(out_dir / "mwaa" / "plugins.zip", plugin_files)
    artefacts.append(_fixed("plugins", plugins, "plugins.zip"))
    startup = out_dir / "mwaa" / "startup.sh"
    _write(startup, startup_script(env_name, account).encode())
    artefacts.append(_fixed("startup", startup, "startup.sh"))
    if (root / "dags").is_dir():
        for name, data in _tree_files(root / "dags"):
            target = out_dir / "mwaa" / "dags" / name
            _write(target, data)
            artefacts.append(_fixed("dag", target, f"dags/{name}"))

    modules = ",".join(pins_for(root, core_dependencies(root)))
    return Build(tuple(artefacts), modules)


def _addressed(role: str, path: Path, prefix: str, stem: str, suffix: str) -> Artefact:
    digest = _sha(path.read_bytes())
    return Artefact(role, path, "artefacts", f"{prefix}/{stem}-{digest[:12]}.{suffix}", digest)


def _fixed(role: str, path: Path, key: str) -> Artefact:
    """MWAA reads fixed paths; the object version pins what the environment uses."""
    return Artefact(role, path, "airflow", key, _sha(path.read_bytes()))


def _package_files(root: Path) -> list[tuple[str, bytes]]:
    package = root / "src" / "fintech_dq"
    if not package.is_dir():
        raise PackagingError(f"{package}: the core package is missing")
    return [(f"fintech_dq/{name}", data) for name, data in _tree_files(package)]


def _tree_files(folder: Path) -> list[tuple[str, bytes]]:
    files = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if not path.is_file() or _SKIPPED_PARTS & set(relative.parts):
            continue
        if path.suffix in {".pyc", ".pyo"} or relative.name == _COMPLETE_MARK:
            continue
        files.append((relative.as_posix(), path.read_bytes()))
    return files


def _zip(path: Path, entries: list[tuple[str, bytes]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for name, data in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    temporary.replace(path)
    return path


def _vendored_dependencies(pins: list[str], cache_dir: Path) -> Path:
    """The pinned dependencies installed for the Lambda platform, cached by their pins."""
    key = _sha("\n".join([LAMBDA_PLATFORM, LAMBDA_PYTHON, *sorted(pins)]).encode())[:16]
    target = cache_dir / f"lambda-deps-{key}"
    if (target / _COMPLETE_MARK).exists():
        return target
    staging = cache_dir / f"lambda-deps-{key}.partial"
    if staging.exists():
        shutil.rmtree(staging)
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--target", str(staging), "--platform", LAMBDA_PLATFORM, "--implementation", "cp",
        "--python-version", LAMBDA_PYTHON, "--only-binary=:all:", "--no-compile", *pins,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        noise = "WARNING: Location 'file:"
        detail = "\n".join(
            line for line in result.stderr.splitlines() if not line.startswith(noise)
        )
        raise PackagingError(f"pip could not fetch the layer's dependencies:\n{detail}")
    for junk in [*staging.rglob("__pycache__"), staging / "bin"]:
        if junk.exists():
            shutil.rmtree(junk)
    (staging / _COMPLETE_MARK).write_text("\n".join(pins) + "\n", encoding="utf-8")
    staging.replace(target)
    return target


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _normalise(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")
