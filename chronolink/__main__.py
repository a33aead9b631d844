"""`python -m chronolink` runs the command line."""
from chronolink.engine.cli import main

main()
