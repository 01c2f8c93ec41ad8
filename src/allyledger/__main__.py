"""`python -m allyledger` runs the command line."""

from allyledger.cli import cli

cli()
