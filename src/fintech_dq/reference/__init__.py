"""Reference data the rules check against, each module with its source and version.

The data come from maintained libraries (iso4217, pycountry, schwifty) or a shipped data
file (ISO 18245 merchant category codes), read on the driver and embedded in Spark
expressions as literals, so validation needs no lookup service and no network.
"""
