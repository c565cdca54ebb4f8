"""Pipeline stages: 1 filter, 2 extract, ..."""
