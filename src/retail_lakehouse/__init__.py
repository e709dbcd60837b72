"""retail-lakehouse: a medallion lakehouse on Delta Lake, run on DuckDB or Spark Connect."""

__version__ = "0.1.0"
