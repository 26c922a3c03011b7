"""Lock-file formats derived from a :class:`LockGraph`."""
