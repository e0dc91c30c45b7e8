"""routes.yaml: positioned loading, the typed model, patterns, validation."""
