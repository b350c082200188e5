"""Posting: a request's lifecycle and the claim-and-post protocol that moves it, from the
locked request rows to the one statement that writes the batch.

- lifecycle: the statuses' transitions and the protocol (claim, post, finish); the entry
  point, ``process_requests``, and ``count_crashed_delivery``.
- dispatch: a claimed batch, whatever its operations, locked in one order and posted in
  arrival order.
- posting: ``Posting`` (what a request moves between two balance rows) and its checks.
- balances: the balance rows a batch locks (``LockedBalance``) and their running state.
- holds, reversals: placing, capturing and voiding holds; reversing transactions.
- journal, journal_extras: what the batch writes, gathered column by column, in one
  statement (and one more for holds and reversals).
- expiry: the beat's sweep of holds past their expiry.
- reaper: what the beat's reaper reads (stale pending requests, the backlog's size).
"""
