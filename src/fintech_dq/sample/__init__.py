"""Sample data: realistic business days of transactions with known, injected defects.

Used by the tests, the demo and the benchmark; the ground truth written beside each day
says which rows must be quarantined or rejected, by which rules, and the expected status.
"""

from fintech_dq.sample.defects import DEFECTS, PRESETS, DefectClass, DefectMix
from fintech_dq.sample.generator import DEFAULT_FORMATS, generate_day, generate_days
from fintech_dq.sample.ground_truth import DefectTruth, FileTruth, GroundTruth, ground_truth_path

__all__ = [
    "DEFAULT_FORMATS",
    "DEFECTS",
    "PRESETS",
    "DefectClass",
    "DefectMix",
    "DefectTruth",
    "FileTruth",
    "GroundTruth",
    "generate_day",
    "generate_days",
    "ground_truth_path",
]
