"""The change ledger: every completed review remembered, per org, so recurring patterns show.

Importing this package imports nothing heavy: `prguard.ledger.patterns` and
`prguard.ledger.history` are plain Python (the report layer may use them);
`models`, `db`, `record`, `queries`, `digest` and `lifecycle` need SQLAlchemy.
"""
