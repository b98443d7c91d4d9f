-- ring.lua: a town written from scratch with defaults only. Eight
-- neighbourhoods on a ring with a market square in the middle; three gangs
-- spread around the ring, one police unit at the square and one on the ring.
scenario { name = "town-ring", start = "2025-01-01", days = 180 }

local names = { "n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8" }
local owners = { n1 = "reds", n4 = "blues", n6 = "greens" }
for i, id in ipairs(names) do
  local a = 2 * math.pi * (i - 1) / #names
  node { id = id, x = 2 * math.cos(a), y = 2 * math.sin(a), residents = 6000 + 1000 * i,
         owner = owners[id] }
end
node { id = "square", residents = 15000, value = 0.8, site_capacity = 3000 }
for i, id in ipairs(names) do
  road(id, names[i % #names + 1], 1.5)
  if i % 2 == 0 then road(id, "square", 2) end
end

gang { id = "reds",   members = 250, base = "n1" }
gang { id = "blues",  members = 200, base = "n4" }
gang { id = "greens", members = 150, base = "n6" }

unit { id = "central", kind = "police", officers = 150, at = "square" }
unit { id = "east",    kind = "police", officers = 80,  at = "n3" }
