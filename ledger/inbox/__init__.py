"""The request inbox: what a client asks for, recorded once under its idempotency key, before
any worker hears of it.

- submission: ``Submission``, a validated movement under a client's idempotency key.
- checks: the checks a submission passes before it is recorded, against facts that never
  change once true (the asset and its scale, the account and its kind, a named hold's or
  transaction's owner); ``KnownFacts``, an app's memory of them.
- requests: recording (``record_requests``, the API's one-insert fast path), finding a
  request again by key or id (``InboxRow``), the backlog a new request joins.
- direct_record: the API's fast path on a pooled DBAPI connection with no session, and which
  driver errors send a submit the general way or drop the connection.
"""
