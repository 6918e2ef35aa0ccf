"""The alert engine: rules (Python, YAML, Sigma), scheduling, streaming, actions."""
