"""Pins: a :class:`~pypi2nix.resolve.Resolution` to the pins of a
:class:`~pypi2nix.models.LockGraph`: the file each is built from, its build system,
its import check and its ``meta``."""
