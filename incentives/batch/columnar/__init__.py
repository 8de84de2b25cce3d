"""The columnar engine: a registry assessed a block of rows at a time over numpy columns,
exactly, with the same answers as the row-by-row engine (docs/columnar.md)."""
