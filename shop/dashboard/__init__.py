"""Forks of Oscar's dashboard sub-apps (see shop/FORKS.md)."""
