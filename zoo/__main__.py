"""`python -m zoo` runs the `zoo` command line."""

from zoo.cli import console_main

console_main()
