"""Subcommands of the `siaran` console command, one module per area."""
