"""The lock as files and as cache: the frozen requirements file, the changes between
two locks, and the lock cache with its serialization."""
