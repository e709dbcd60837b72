"""Serving: gold for any SQL or BI tool (a DuckDB file), the catalog, and table upkeep."""
