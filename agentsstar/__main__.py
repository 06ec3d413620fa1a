"""``python -m agentsstar`` runs the command line."""

from agentsstar.cli import main

main()
