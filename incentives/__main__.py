"""`python -m incentives …`: the same command as `incentives …`."""

from incentives.cli import main

main()
