"""The deployable artefacts: what each holds, and that an unchanged tree gives the same bytes."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from fintech_dq.infra import packaging

REPO_ROOT = Path(__file__).resolve().parents[2]
CACHE = REPO_ROOT / "var" / "build" / "cache"  # pip's download for the layer, kept between runs


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> packaging.Build:
    out = tmp_path_factory.mktemp("build") / "dev"
    return packaging.build(REPO_ROOT, out, "dev", cache_dir=CACHE, account="123456789012")


def _names(path: Path) -> set[str]:
    with zipfile.ZipFile(path) as archive:
        return set(archive.namelist())


def test_glue_gets_the_script_and_the_core_package(build: packaging.Build) -> None:
    scripts = build.all("glue-script")
    assert [a.path.name for a in scripts] == sorted(
        p.name for p in (REPO_ROOT / "glue_jobs").glob("*.py")
    )
    assert all(a.key.startswith("glue/scripts/") and a.bucket == "artefacts" for a in scripts)
    core = build.one("core-zip")
    names = _names(core.path)
    assert "fintech_dq/__init__.py" in names
    assert "fintech_dq/rules/transactions.yaml" in names  # package data travels too
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    assert core.key == f"glue/lib/fintech_dq-0.1.0-{core.sha256[:12]}.zip"
    modules = build.additional_python_modules.split(",")
    assert "PyYAML==6.0.3" in modules and all("==" in m for m in modules)


def test_the_layer_holds_the_core_package_and_its_dependencies_for_lambda(
    build: packaging.Build,
) -> None:
    names = _names(build.one("layer").path)
    assert "python/fintech_dq/__init__.py" in names
    for module in ("yaml/__init__.py", "jsonschema/__init__.py", "iso4217/__init__.py",
                   "pycountry/__init__.py", "schwifty/__init__.py",
                   "aws_lambda_powertools/__init__.py"):  # fmt: skip
        assert f"python/{module}" in names, module
    binaries = [n for n in names if n.endswith(".so")]
    assert binaries and all("cpython-312-x86_64-linux-gnu" in n for n in binaries), binaries


def test_mwaa_gets_requirements_with_the_constraints_line_plugins_and_startup(
    build: packaging.Build,
) -> None:
    requirements = build.one("requirements").path.read_text().splitlines()
    assert requirements[0] == (
        '--constraint "https://raw.githubusercontent.com/apache/airflow/'
        'constraints-3.3.1/constraints-3.12.txt"'
    )
    assert "apache-airflow-providers-common-messaging==2.0.4" in requirements
    assert all("==" in line for line in requirements[1:])
    assert not any(line.startswith("apache-airflow==") for line in requirements)  # MWAA's own
    assert "fintech_dq/__init__.py" in _names(build.one("plugins").path)
    startup = build.one("startup").path.read_text()
    assert "export FDQ_RUNTIME=aws" in startup and "export FDQ_ENV_NAME=dev" in startup
    assert "export FDQ_AWS_ACCOUNT_ID=123456789012" in startup  # the landing queue's URL
    assert {a.key for a in build.artefacts if a.bucket == "airflow"} >= {
        "requirements.txt",
        "plugins.zip",
        "startup.sh",
    }


def test_an_unchanged_tree_gives_the_same_bytes(build: packaging.Build, tmp_path: Path) -> None:
    again = packaging.build(
        REPO_ROOT, tmp_path / "dev", "dev", cache_dir=CACHE, account="123456789012"
    )
    assert [(a.role, a.key, a.sha256) for a in again.artefacts] == [
        (a.role, a.key, a.sha256) for a in build.artefacts
    ]


def test_a_missing_pin_is_named(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("PyYAML==6.0.3\n")
    with pytest.raises(
        packaging.PackagingError, match=r"no pin in requirements\.txt for: jsonschema"
    ):
        packaging.pins_for(tmp_path, ["PyYAML", "jsonschema"])
