"""The subcommands: each composes the pipeline stages, nothing more."""
