"""Reusable widgets: they render a view of the session and report the player's intent."""
