"""Data quality: expectations declared in model YAML, evaluated inside the engine as SQL."""
