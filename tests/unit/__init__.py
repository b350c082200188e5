"""Pure functions, no database, no network."""
