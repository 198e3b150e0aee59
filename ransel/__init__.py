"""Ransel as a program: the `ransel` command and the HTTP app, where bot/, actions/, channels/
and scheduler/ are put together (the one place that may import all of them)."""
