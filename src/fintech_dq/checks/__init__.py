"""Rule families: each module turns rule specs of its types into Spark expressions.

Row checks return a `RowCheck` (a boolean "failed" column and a message column) that the
engine folds into one projection; batch checks read the run's aggregates and findings.
"""
