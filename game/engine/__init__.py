"""The engine: the campaign's rules, the battle's, chance, and the explorer. It knows nothing of
the interface. Whether the battle rules run compiled is settled here, before any of them loads
(`game.engine.native`)."""

from game.engine.native import settle

settle()
