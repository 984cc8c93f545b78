"""prguard.index: the repository index (definitions and resolved references of every Python file)
and what a change does to it (blast radius, call sites left behind: rules PG-IMPACT001/002).

Plain Python like the engine: no Flask, Celery, Redis or GitHub client here; callers hand in a
`RepositorySnapshot` built from a local git tree (CLI) or a repository archive (App).
"""
