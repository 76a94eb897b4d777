"""Spark column expressions the rules are built from, all evaluated in the JVM.

No Python UDFs: every function here composes pyspark.sql.functions (higher-order functions
included), so a rule costs what a built-in expression costs. Reference data are embedded
as literals taken from fintech_dq.reference on the driver.
"""
