"""The HTTP plumbing every route shares: problem+json answers (problems, database_errors,
batch_refusals), reading bodies and parameters (body, json_reader, responses), request ids,
metrics, and the OpenAPI document generated from the routes (openapi, openapi_examples).
Nothing here knows what a route does."""
