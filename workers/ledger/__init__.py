"""The change ledger: every completed review remembered, per org, so recurring patterns show.

Importing this package imports nothing heavy: `prguard.ledger.patterns` and
`prguard.ledger.history` are plain Python (the report layer may use them);
`models`, `db`, `record`, `queries`, `figures`, `digest` and `lifecycle` need SQLAlchemy.
`queries` is the per-review "seen before" look-up; `figures` is every org figure the dashboard,
its JSON API and the weekly digest show, each defined once.
"""
