"""Distribution files, bytes to facts: zip and tar readers, wheels, sdists, core
metadata and the modules a distribution ships. No network, no cache."""
