"""`python -m generator` runs the obsgen CLI."""

from generator.cli import main

main()
