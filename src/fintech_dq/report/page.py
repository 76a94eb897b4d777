"""The page frame shared by the run report and the index: inline CSS and script, and a
Content-Security-Policy that forbids every outside fetch, so a report opened from an
alert e-mail shows exactly what was stored and nothing else."""

from __future__ import annotations

from html import escape
from typing import Any

from fintech_dq.masking import mask_card_numbers_in_text

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "img-src data:; base-uri 'none'; form-action 'none'"
)

STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1f2328}
header{background:#0d1117;color:#fff;padding:16px 24px}header a{color:#9ecbff}
main{padding:8px 24px 40px;max-width:1200px}h2{border-bottom:1px solid #d0d7de;padding-bottom:4px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #d0d7de;padding:3px 8px;
text-align:left;vertical-align:top}th{background:#f6f8fa}td.num{text-align:right;
font-variant-numeric:tabular-nums}.status{display:inline-block;padding:2px 10px;border-radius:12px;
font-weight:600}.passed,.within{background:#dafbe1;color:#116329}.passed_with_warnings,.no{
background:#fff8c5;color:#7d4e00}.failed,.blocked,.outside{background:#ffebe9;color:#a40e26}
.not_evaluated{background:#eaeef2;color:#57606a}.charts{display:grid;
grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:12px}figure.chart{margin:0;
border:1px solid #d0d7de;border-radius:6px;padding:8px}figure.chart svg{width:100%;height:auto}
figcaption{font-weight:600}.legend .key{margin-right:10px;font-size:12px}.legend i{
display:inline-block;width:10px;height:10px;margin-right:4px}code{font-size:12px}
"""

SCRIPT = """
(function () {
  var box = document.getElementById('only-failing');
  if (box) {
    box.addEventListener('change', function () {
      document.querySelectorAll('tr[data-status]').forEach(function (row) {
        row.hidden = box.checked && row.getAttribute('data-status') === 'passed';
      });
    });
  }
  document.body.setAttribute('data-ready', String(document.querySelectorAll('svg').length));
})();
"""


def text(value: Any) -> str:
    """Everything shown comes through here: card numbers masked, then HTML-escaped."""
    if value is None:
        return ""
    return escape(mask_card_numbers_in_text(str(value)) or "")


def page(title: str, header: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{text(title)}</title><style>{STYLE}</style></head><body>"
        f"<header>{header}</header><main>{body}</main><script>{SCRIPT}</script></body></html>\n"
    )
