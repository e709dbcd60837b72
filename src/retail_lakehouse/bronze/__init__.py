"""Bronze: files as delivered, typed by their contract, with audit columns and quarantine."""
