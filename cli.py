"""The `incentives` command run from a checkout: `python cli.py check PROFILE`.

The installed command is the console script `incentives` (incentives.cli:main); this file
only lets the command run from the source tree without installing it."""

from incentives.cli import main

if __name__ == "__main__":
    main()
