"""The `mozdef` command: parses arguments and hands each subcommand its settings.

Errors the user can fix (configuration, a locked store, a bad query) end the
command with their message and exit status 2; nothing else is printed for them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from mozdef import __version__
from mozdef.commands import (
    alerts,
    indices,
    ingest,
    intake,
    pipeline,
    rules,
    search,
    serve,
    users,
    web,
    worker,
)
from mozdef.config import Settings, load_settings
from mozdef.errors import MozDefError
from mozdef.logfmt import configure


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="TOML settings file")
    parser.add_argument("--data-dir", type=Path, help="data folder (default ./data)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mozdef", description="MozDef SIEM")
    parser.add_argument("--version", action="version", version=f"mozdef {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    modules = (serve, intake, worker, alerts, web, pipeline, search, ingest, indices, rules, users)
    for module in modules:
        sub = module.add_parser(commands)
        _common(sub)
    return parser


def settings_for(args: argparse.Namespace) -> Settings:
    extra = getattr(args, "overrides", None)
    overrides = {"data_dir": args.data_dir, **(extra(args) if extra else {})}
    return load_settings(args.config, overrides=overrides)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = settings_for(args)
        configure(settings.log.level)
        status: int = args.run(args, settings)
    except MozDefError as exc:
        print(f"mozdef {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return status


if __name__ == "__main__":
    sys.exit(main())
