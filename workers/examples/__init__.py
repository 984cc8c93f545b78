"""Bundled example pull requests for `prguard review --example` (data only; never imported or run)."""
