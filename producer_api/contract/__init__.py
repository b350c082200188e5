"""The API's contract: the pydantic models of request bodies, parameters and answers
(schemas, webhook_schemas), the scalar fields they are made of and their rules (fields,
metadata, text). The ledger's read models (ledger.views) are the answers' other half."""
