-- chain.lua: a town written from scratch as a new user would, with every model
-- parameter at its default (no model{} block). Six neighbourhoods: a chain
-- a - b - c - d with e off b and f off c; two rival gangs at the ends of the
-- chain, two police units in the middle. Used by tests/test_living_world.py.
scenario { name = "town-chain", start = "2025-01-01", days = 180 }

node { id = "a", residents = 12000, owner = "north" }
node { id = "b", residents = 15000, x = 1 }
node { id = "c", residents = 20000, x = 2, value = 0.7 }
node { id = "d", residents = 12000, x = 3, owner = "south" }
node { id = "e", residents = 8000,  x = 1, y = 1, site_capacity = 2000 }
node { id = "f", residents = 9000,  x = 2, y = -1 }

road("a", "b", 1)
road("b", "c", 1)
road("c", "d", 1)
road("b", "e", 1)
road("c", "f", 1)

gang { id = "north", members = 300, base = "a" }
gang { id = "south", members = 300, base = "d" }

unit { id = "p1", kind = "police", officers = 100, at = "b" }
unit { id = "p2", kind = "police", officers = 100, at = "c" }
