"""Publishing a review on GitHub: check run, one inline review, labels, commands.

Each module keeps its decisions pure (plain functions over engine types and
GitHub JSON) and its GitHub calls in a few small functions taking a client, so
the decisions are unit-tested without a network and the calls are tested
against the fake GitHub.
"""
