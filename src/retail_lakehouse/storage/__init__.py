"""Delta Lake storage: the only module (besides engines/) that touches ``deltalake``."""

from retail_lakehouse.storage.delta import LAYERS, Lakehouse, MergeSpec, TableRef

__all__ = ["LAYERS", "Lakehouse", "MergeSpec", "TableRef"]
