"""Card numbers in names (file names, CSV headers, manifest fields, currencies used as keys)
never reach a written byte: results.json (both copies), the Parquet outputs, stdout, stderr.

Each planted number is Luhn-valid and appears nowhere as a value of a contract column the
row scan would mask, so a hit says which name leaked."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from clean_row import ROW, validate_day
from fintech_dq.cli import main
from fintech_dq.sample import DefectMix, generate_day

DAY = date(2026, 11, 28)
FILE_PAN = "4900000071000031"  # a file's name
HEADER_PAN = "4111111111111111"  # a CSV header outside the contract
MANIFEST_PAN = "4900000072000014"  # a manifest's USD total
CURRENCY_PAN = "4900000130000469"  # a currency as sent
TWIN_PAN = "4900000000070469"  # another currency that masks alike: 490000******0469
PLANTED = (FILE_PAN, HEADER_PAN, MANIFEST_PAN, CURRENCY_PAN, TWIN_PAN)


def _clean_rows(root: Path) -> list[dict[str, str]]:
    generate_day(root, DAY, 20, 5, DefectMix.named("none"), formats=("csv",))
    (clean,) = (root / "transactions" / f"ingest_date={DAY.isoformat()}").glob("*.csv")
    with clean.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def planted_day(tmp: Path) -> Path:
    """Two files: '<PAN>.csv' with a header named by a PAN, currencies that are PANs and a
    manifest whose USD total is a PAN; 'b.csv' repeating its first id (the duplicate's
    message names the first file)."""
    rows = _clean_rows(tmp / "clean")
    folder = tmp / "in"
    folder.mkdir()
    first = [{**row, HEADER_PAN: "x"} for row in rows[:10]]
    first[1]["currency"], first[2]["currency"] = CURRENCY_PAN, TWIN_PAN
    pan_file = folder / f"{FILE_PAN}.csv"
    _write_csv(pan_file, first)
    manifest = {
        "file": pan_file.name,
        "record_count": len(first),
        "totals": {"USD": MANIFEST_PAN},
        "sha256": hashlib.sha256(pan_file.read_bytes()).hexdigest(),
    }
    (folder / f"{pan_file.name}.manifest.json").write_text(json.dumps(manifest))
    _write_csv(folder / "b.csv", [*rows[10:], {**rows[0]}])
    return folder


def leaks(data: bytes | str) -> list[str]:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    return [pan for pan in PLANTED if pan in text]


def written_leaks(root: Path) -> dict[str, list[str]]:
    """Every file under root, byte for byte; Parquet also read back (values, names)."""
    found = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        hits = leaks(path.read_bytes())
        if path.suffix == ".parquet":
            table = pq.read_table(path)
            hits += leaks(json.dumps([table.column_names, table.to_pylist()], default=str))
        if hits:
            found[str(path.relative_to(root))] = sorted(set(hits))
    return found


@pytest.fixture(scope="module")
def validated(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("pan-names")
    out = tmp / "out"
    stdout, stderr = io.StringIO(), io.StringIO()
    argv = [
        "validate", "--dataset", "transactions", "--business-date", DAY.isoformat(),
        "--input", str(planted_day(tmp)), "--out", str(out), "--run-id", "pan-names",
        "--now", "2026-11-29T06:00:00Z",
    ]  # fmt: skip
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(argv)
    return {"out": out, "code": code, "stdout": stdout.getvalue(), "stderr": stderr.getvalue()}


def test_the_planted_names_reached_the_run(validated: dict[str, Any]) -> None:
    """The run saw them (else the scans below would prove nothing)."""
    document = json.loads((validated["out"] / "results.json").read_text())
    assert validated["code"] == 3  # a PAN in `currency` blocks the batch
    assert any(HEADER_PAN[:6] in " ".join(f["columns"]) for f in document["findings"])
    assert len(document["inputs"]) == 2


def test_no_planted_number_in_results_json_stdout_or_stderr(validated: dict[str, Any]) -> None:
    out = validated["out"]
    assert leaks((out / "results.json").read_text()) == []
    assert leaks(validated["stdout"]) == []
    assert leaks(validated["stderr"]) == []


def test_no_planted_number_in_the_parquet_outputs(validated: dict[str, Any]) -> None:
    out = validated["out"]
    found = {k: v for k, v in written_leaks(out).items() if not k.startswith("results")}
    assert found == {}
    quarantine = pq.read_table(out / "quarantine").to_pylist()
    assert {row["source_file"].rsplit("/", 1)[-1] for row in quarantine} >= {"490000******0031.csv"}
    messages = [v["message"] for row in quarantine for v in row["dq_violations"]]
    assert any("already appears in" in m and "490000******0031.csv" in m for m in messages)


def test_two_currencies_that_mask_alike_keep_their_own_totals(
    validated: dict[str, Any],
) -> None:
    document = json.loads((validated["out"] / "results.json").read_text())
    totals = document["metrics"]["amount_totals"]
    masked = sorted(k for k in totals if k.startswith("490000******0469"))
    assert masked == ["490000******0469", "490000******0469 (2)"]


def test_no_planted_number_in_the_run_history_copy_of_results(
    validated: dict[str, Any],
) -> None:
    """OUT/results/business_date=D/run_id=R/results.json, written by the engine itself."""
    (copy,) = (validated["out"] / "results").rglob("results.json")
    document = json.loads(copy.read_text())
    for entry in [*document["inputs"], *document["findings"]]:
        assert leaks(json.dumps(entry)) == []
    assert leaks(json.dumps(document["metrics"])) == []


def test_no_planted_number_anywhere_in_the_run_history_copy(validated: dict[str, Any]) -> None:
    (copy,) = (validated["out"] / "results").rglob("results.json")
    assert leaks(copy.read_text()) == []


def test_the_batch_files_are_masked_once_as_in_the_results_document(
    spark: Any, tmp_path: Path
) -> None:
    """The batch's files are masked on the driver by the Python masker (the one the results
    document uses): 1000000000000008 is Luhn-valid with no card scheme's prefix, which the
    Spark scan would leave. A path not in the batch is a safeguard's: its digits are
    replaced where 13 or more are in a row."""
    from fintech_dq.engine.outputs import aliased_path, write_partition

    no_scheme = "s3://landing/day/1000000000000008.csv"
    repeated = f"s3://landing/{FILE_PAN}/a{FILE_PAN}v2.csv"  # glued: masked as the folder's
    rows = spark.createDataFrame(
        [
            (no_scheme, 1),
            (f"s3://landing/day/{FILE_PAN}.csv", 2),
            ("s3://landing/day/b.csv", 3),
            (repeated, 4),
        ],
        "source_file string, source_line int",
    )
    known = [no_scheme, "s3://landing/day/b.csv", repeated]
    uri = write_partition(rows, str(tmp_path / "processed"), DAY, known)
    files = sorted(r["source_file"] for r in pq.read_table(uri).to_pylist())
    assert files == [
        "s3://landing/490000******0031/a490000******0031v2.csv",
        "s3://landing/day/100000******0008.csv",
        "s3://landing/day/[digits masked].csv",  # not a batch file
        "s3://landing/day/b.csv",
    ]
    uri = write_partition(rows, str(tmp_path / "unknown"), DAY)
    assert sorted(r["source_file"] for r in pq.read_table(uri).to_pylist()) == [
        "s3://landing/[digits masked]/a[digits masked]v2.csv",
        "s3://landing/day/[digits masked].csv",
        "s3://landing/day/[digits masked].csv",
        "s3://landing/day/b.csv",
    ]
    assert written_leaks(tmp_path) == {}
    aliases = {"/tmp/staged/": "s3://landing/day/", "/tmp/staged/x/": "s3://other/"}
    assert aliased_path("/tmp/staged/x/a.csv", aliases) == "s3://other/a.csv"
    assert aliased_path("/tmp/staged/a.csv", aliases) == "s3://landing/day/a.csv"
    assert aliased_path("/elsewhere/a.csv", aliases) == "/elsewhere/a.csv"


def test_figures_keep_currencies_that_mask_alike_apart() -> None:
    from fintech_dq.engine.metrics import BatchFigures, GroupFigures

    figures = BatchFigures(
        {
            ("a.csv", CURRENCY_PAN): GroupFigures(rows=1, amount_total=Decimal("200")),
            ("a.csv", TWIN_PAN): GroupFigures(rows=1, amount_total=Decimal("7")),
            ("b.csv", CURRENCY_PAN): GroupFigures(rows=1, amount_total=Decimal("1")),
            ("b.csv", "USD"): GroupFigures(rows=1, amount_total=Decimal("5")),
        }
    )
    assert figures.amount_totals_by_currency() == {
        "490000******0469": Decimal("7"),  # the smaller number first
        "490000******0469 (2)": Decimal("201"),
        "USD": Decimal("5"),
    }


def test_cli_errors_are_masked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "in.csv"
    data.write_text("transaction_id\n")
    missing = tmp_path / f"statement-{HEADER_PAN}.csv"
    common = ["validate", "--dataset", "transactions", "--out", str(tmp_path / "out")]
    code = main(
        [*common, "--business-date", "2026-11-28", "--input", str(data),
         "--reference", f"merchants={missing}"]
    )  # fmt: skip
    assert code == 2
    error = capsys.readouterr().err
    assert "statement-411111******1111.csv does not exist" in error
    assert HEADER_PAN not in error

    with pytest.raises(SystemExit):  # argparse quotes the value it refuses
        main([*common, "--business-date", HEADER_PAN, "--input", str(data)])
    error = capsys.readouterr().err
    assert "411111******1111" in error
    assert HEADER_PAN not in error


def test_validate_help_names_both_copies_of_results(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["validate", "--help"])
    assert "OUT/results/business_date=D/run_id=R/results.json" in " ".join(
        capsys.readouterr().out.split()
    )


def test_the_report_masks_currencies_of_documents_stored_unmasked(
    validated: dict[str, Any],
) -> None:
    """A currency is a chart id, title, legend and tooltip; history documents written
    before names were masked still hold the number as a key."""
    from fintech_dq.report.charts import Series, line_chart
    from fintech_dq.report.run_report import render_run_report

    document = json.loads((validated["out"] / "results.json").read_text())
    earlier = json.loads(json.dumps(document))
    earlier.update(business_date="2026-11-27", run_id=f"run-{FILE_PAN}")
    earlier["metrics"]["amount_totals"] = {CURRENCY_PAN: "200", TWIN_PAN: "7", "USD": "5"}
    earlier["inputs"][0]["path"] = f"/in/{FILE_PAN}.csv"
    html = render_run_report(document, [earlier, document], [], None, "index.html")
    assert leaks(html) == []
    assert 'data-chart="total_490000******0469 (2)"' in html

    chart = line_chart(
        f"total_{CURRENCY_PAN}", f"Amount total {CURRENCY_PAN}", ["2026-11-27", "2026-11-28"],
        [Series(CURRENCY_PAN, [Decimal(1), Decimal(2)]), Series(TWIN_PAN, [None, Decimal(3)])],
    )  # fmt: skip
    assert leaks(chart) == []
    assert "490000******0469" in chart


def test_the_engines_own_figures_are_not_mistaken_for_card_numbers() -> None:
    """A day's VND total of 4,123,456,789,011 passes Luhn with a Visa prefix: masked, the
    history and the report could not read it back. Only the figures' keys are masked."""
    from fintech_dq.masked_documents import masked_results

    document = {
        "inputs": [{"path": f"s3://a/{FILE_PAN}.csv"}],
        "metrics": {"amount_totals": {"VND": "4123456789011", FILE_PAN: "1.00"}},
    }
    shown = masked_results(document)
    assert shown["metrics"]["amount_totals"] == {
        "VND": "4123456789011",
        "490000******0031": "1.00",
    }
    assert leaks(json.dumps(shown)) == []


def test_a_card_number_keyed_into_the_only_amount_of_a_currency_is_not_its_total(
    spark: Any, transactions_rules: Any, tmp_path: Path
) -> None:
    """The batch is blocked; the JPY total would be the card number itself: it is withheld
    (null), while other totals stay exact (large totals of a clean batch are never masked)."""
    day = tmp_path / "day"
    day.mkdir()
    jpy = {**ROW, "transaction_id": "TXPANAMT01", "amount": "4111111111111111", "currency": "JPY"}
    jpy |= {"settlement_currency": "JPY", "settlement_amount": "4111111111111111"}
    rows = [ROW, jpy]
    lines = [",".join(ROW), *[",".join(r[c] for c in ROW) for r in rows]]
    (day / "cardnet-001.csv").write_text("\n".join(lines) + "\n")
    document = validate_day(spark, transactions_rules, day, tmp_path / "out")
    assert document["status"] == "blocked"
    assert document["metrics"]["amount_totals"] == {"JPY": None, "USD": "10"}
    written = (tmp_path / "out" / "results").rglob("results.json")
    assert all("4111111111111111" not in path.read_text() for path in written)
