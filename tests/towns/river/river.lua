-- river.lua: a town from two CSV files (the recipe of scenarios/README.md,
-- "A new city, step by step"), every model parameter at its default.
scenario { name = "town-river", start = "2025-01-01", days = 180 }

nodes_from(csv("nodes.csv"))
for _, r in ipairs(csv("roads.csv")) do road(r.a, r.b, r.km) end

gang { id = "harbour", members = 350, base = "docks" }
gang { id = "millers", members = 250, base = "mill" }

unit { id = "hq",     kind = "police", officers = 150, at = "old_town" }
unit { id = "bridge", kind = "police", officers = 60,  at = "bridge" }
