"""One module per `mozdef` subcommand: `add_parser` declares it, `run` does it."""
