"""The built-in plugins, one per file; `mozdef.pipeline.registry` maps their ids."""
