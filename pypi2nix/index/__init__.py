"""The package index, over the network and the on-disk cache: the HTTP client, the
cache, Simple API project pages, :class:`PackageIndex` (metadata and file facts) and
the look-ahead threads."""
