"""The package index: the HTTP client, page and metadata parsers, archive readers."""
