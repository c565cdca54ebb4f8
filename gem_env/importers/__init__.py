"""Importers: load a public benchmark's data into the tables of a domain written in the tool language
(and export a sandbox's state back into the benchmark's own shape). Each importer is its own module."""
