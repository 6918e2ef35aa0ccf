"""The event schema, normalization of shippers' formats, and timestamps."""
