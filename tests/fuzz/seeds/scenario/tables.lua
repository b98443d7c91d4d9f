-- Seed for fuzz_scenario: the sandbox's own table.sort / insert / remove,
-- on plain lists, class-style tables and lying __len metatables.
scenario { name = "tables", days = 3 }
node { id = "a", residents = 100, value = 0.5 }
node { id = "b", residents = 100, value = 0.5 }
road("a", "b", 1)
local r = {}
for i = 1, 300 do r[i] = { k = (i * 7919) % 13, s = tostring(i % 17) } end
table.sort(r, function(x, y) return x.k < y.k end)
local s = {}
for i = 1, 200 do s[i] = tostring((i * 31) % 97) end
table.sort(s)
table.sort(s, function(x, y) return x > y end)
local C = {}
C.__index = C
local o = setmetatable({}, C)
table.insert(o, 1); table.insert(o, 1, 0); table.remove(o); table.remove(o, nil)
print(pcall(table.sort, { 3, "a", 2 }))
print(pcall(table.sort, { 1, 2 }, 5))
print(pcall(table.insert, setmetatable({}, { __len = function() return 1e15 end }), 1, 5))
print(pcall(table.remove, { 1, 2 }, 7))
print(pcall(table.sort, setmetatable({ 2, 1 }, { __lt = function(x, y) error("lt") end })))
at(1, function(sim)
  local t = {}
  for i = 1, 100 do table.insert(t, 1, i) end
  table.sort(t, function(x, y) return x % 7 < y % 7 end)
  sim:log("%d %d", t[1], table.remove(t, 1))
end)
