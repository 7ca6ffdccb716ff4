"""Oscar's root dashboard app and its catalogue and orders sub-apps, forked (see shop/FORKS.md)."""
