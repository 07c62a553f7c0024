"""`python -m cableparse` runs the same CLI as the `cableparse` script."""
from .cli import cli

if __name__ == "__main__":
    cli(prog_name="cableparse")
