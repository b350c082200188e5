"""Through HTTP, Redis and worker processes to Postgres: the flows, races and faults."""
