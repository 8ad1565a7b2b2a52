"""`python -m campaign` runs the command line."""

from campaign.cli import main

main()
