"""`python -m allyledger` runs the command line."""

from allyledger.entry import main

main()
