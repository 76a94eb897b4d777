"""The report of a real engine run, built from the emulator's bucket C, checked as text
(band and value, masked samples, schema diff) and opened in headless Chromium (renders,
the charts are there, no console error, no outside request)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from statistics import median
from typing import Any
from urllib.parse import unquote

import pytest

from fintech_dq.infra import aws
from fintech_dq.masking import luhn_valid
from fintech_dq.report import index_key, publish_run_report

CARD_LIKE = re.compile(r"(?<![0-9])(?:[0-9][ -]?){12,18}[0-9](?![0-9])")


@pytest.fixture(scope="module")
def built(
    report_environment: dict[str, Any], local_stack: Any, tmp_path_factory: Any
) -> dict[str, Any]:
    locations, day = report_environment["locations"], report_environment["day"]
    out = tmp_path_factory.mktemp("report-out")
    run_id = report_environment["today"]["run_id"]
    key = publish_run_report(locations, day, run_id, local_stack.settings, out_dir=out)
    s3 = local_stack.client("s3")
    html = s3.get_object(Bucket=locations.audit_bucket, Key=key)["Body"].read().decode()
    index = s3.get_object(Bucket=locations.audit_bucket, Key=index_key(locations))["Body"].read()
    return {**report_environment, "key": key, "html": html, "index": index.decode(), "out": out}


def test_the_report_is_stored_at_the_runs_report_key(built: dict[str, Any]) -> None:
    locations, today = built["locations"], built["today"]
    assert built["key"] == locations.report_key(built["day"], today["run_id"])
    assert (built["out"] / built["key"]).read_text() == built["html"]
    assert 'href="../../index.html"' in built["html"]
    # Every day with a report is linked from the index (only today has one here).
    assert (
        f'href="business_date={built["day"]}/run_id={today["run_id"]}/report.html"'
        in built["index"]
    )


def test_volume_shows_its_band_and_value(built: dict[str, Any]) -> None:
    values = [Decimal(d["counts"]["rows_in"]) for d in built["history"]]
    middle = Decimal(median(values))
    spread = max(
        Decimal(median([abs(v - middle) for v in values])) * Decimal("1.4826"), middle / 100
    )
    low, high = middle - 3 * spread, middle + 3 * spread
    row = re.search(r'<tr data-metric="volume">(.*?)</tr>', built["html"]).group(1)  # type: ignore[union-attr]
    rows_in = built["today"]["counts"]["rows_in"]
    assert f'<td class="num">{rows_in}</td>' in row
    assert f"{low.normalize():f}".rstrip("0").rstrip(".") in row
    assert f"{high.normalize():f}".rstrip("0").rstrip(".") in row
    assert "29 days, all days" in row and "outside band" in row


def test_rules_samples_and_schema_diff_are_in_the_report(built: dict[str, Any]) -> None:
    html, today = built["html"], built["today"]
    for result in today["rule_results"]:
        assert f'data-rule="{result["rule_id"]}"' in html
    failing = [r for r in today["rule_results"] if r["samples"]]
    assert failing, "the generated day should quarantine some rows"
    for sample in failing[0]["samples"]:
        assert str(sample["source_line"]) in html
    assert "loyalty_tier" in html and "decision: <strong>additive" in html


def test_no_card_number_in_the_report_or_index(built: dict[str, Any]) -> None:
    for page in (built["html"], built["index"]):
        found = [m for m in CARD_LIKE.findall(page) if luhn_valid(re.sub(r"[ -]", "", m))]
        assert found == []


def test_chromium_renders_the_report_with_its_charts_and_no_error(
    built: dict[str, Any], browser: Any
) -> None:
    page = browser.new_page()
    problems: list[str] = []
    requests: list[str] = []
    page.on(
        "console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    report = Path(built["out"]) / built["key"]
    page.goto(report.as_uri())
    assert page.title().startswith(f"transactions {built['day']}")
    assert int(page.get_attribute("body", "data-ready") or 0) >= 3  # the inline script ran
    for chart in ("quarantine_rate", "volume", "total_EUR"):
        figure = page.locator(f'figure[data-chart="{chart}"]')
        assert figure.locator("svg polyline").count() >= 1, chart
        assert figure.locator("svg circle").count() >= 30, chart  # 30 days plotted
        assert figure.bounding_box()["height"] > 100, chart
    assert page.locator('figure[data-chart="volume"] rect.band').count() == 1
    passed = page.locator('tr[data-status="passed"]').first
    assert passed.is_visible()
    page.check("#only-failing")
    assert not passed.is_visible()
    page.goto((Path(built["out"]) / index_key(built["locations"])).as_uri())
    page.click(f'tr[data-day="{built["day"]}"] a')
    assert unquote(page.url) == unquote(report.as_uri())
    page.screenshot(path=str(Path(built["out"]) / "report.png"), full_page=True)
    assert problems == []
    assert all(url.startswith("file://") for url in requests), requests
    page.close()


def test_fdq_report_builds_the_latest_run_of_a_day(
    built: dict[str, Any], local_stack: Any, run_fdq: Any, tmp_path: Path
) -> None:
    env = aws.subprocess_environment(local_stack.settings)
    arguments = ["report", "--env", built["locations"].env_name, "--date", str(built["day"])]
    made = run_fdq(*arguments, "--out", str(tmp_path), env=env, timeout=120)
    assert made.returncode == 0, made.stderr
    assert f"report: s3://{built['locations'].audit_bucket}/{built['key']}" in made.stdout
    assert (tmp_path / built["key"]).read_text() == built["html"]  # written once, kept
    index = tmp_path / index_key(built["locations"])
    links = re.findall(r'href="([^"#]+\.html)"', index.read_text())
    assert links and all((index.parent / unquote(link)).is_file() for link in links), links
    missing = run_fdq(*arguments[:-1], "2026-01-05", env=env, timeout=120)
    assert missing.returncode == 2 and "no results document for 2026-01-05" in missing.stderr


def test_a_card_number_slipped_into_a_document_is_masked_in_the_page(
    validated_run: dict[str, Any],
) -> None:
    """The report masks again whatever it is given (the engine masks its samples first)."""
    import copy

    from fintech_dq.report.run_report import render_run_report

    document = copy.deepcopy(validated_run)
    rule = next(r for r in document["rule_results"] if r["samples"])
    rule["samples"][0]["message"] = "card_pan '4111 1111 1111 1111' is not masked"
    rule["details"] = ["first seen 5500005555555559 in file x"]
    html = render_run_report(document, [document], [], None, "../../index.html")
    assert "411111******1111" in html and "550000******5559" in html
    found = [m for m in CARD_LIKE.findall(html) if luhn_valid(re.sub(r"[ -]", "", m))]
    assert found == []


def test_a_rules_samples_heading_says_when_it_shows_only_the_first_rows(
    validated_run: dict[str, Any],
) -> None:
    import copy

    from fintech_dq.report.run_report import render_run_report

    document = copy.deepcopy(validated_run)
    rule = next(r for r in document["rule_results"] if r["samples"])
    rule["samples"] = rule["samples"][:1]
    rule["failures"] = 6
    html = render_run_report(document, [document], [], None, "../../index.html")
    assert f"<code>{rule['rule_id']}</code> (6 rows, the first 1 shown)</h3>" in html
