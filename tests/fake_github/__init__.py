"""A fake GitHub HTTP server for tests (see server.py) and its pytest fixture (fixture.py)."""
