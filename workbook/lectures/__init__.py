"""Per-lecture helpers: widget logic, data loaders and property checkers, as plain functions."""
