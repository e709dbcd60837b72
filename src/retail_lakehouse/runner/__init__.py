"""Model runner: models from SQL files, a DAG from their table references, materializations."""
