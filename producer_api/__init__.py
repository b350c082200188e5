"""The HTTP API: validates, records requests in the inbox, enqueues them, reads the ledger.

The app factory is ``producer_api.app.create_app``: importing a module of this package (the
key CLI, the schemas) builds nothing.
"""
