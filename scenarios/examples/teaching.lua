-- teaching.lua: the whole scripting API in one small scenario (see scenarios/README.md).
-- Five neighbourhoods, two allied gangs, police, an elite pool and an announced mission.
-- Numbers are illustrative, not calibrated.
--   conflictsim run scenarios/examples/teaching.lua --seed 1 --set recall_officers=100
scenario { name = "teaching", start = "2024-10-10", days = 40, sample_every = 1 }

-- param(name, default, doc): a scenario parameter, changeable with --set; read as P.name.
param("recall_officers", 200, "elite officers recalled when the market falls")
param("attack_day", 5, "day the gang is ordered to attack the market")
-- model{}: model parameters (sim/README.md, Parameters); a --set on the command line wins.
model { lambda0 = 0.02, h1 = 0.15 }

-- node{}: x, y in km; owner may name a gang declared below.
node { id = "docks", name = "Docks", x = 0.0, y = 0.0, residents = 20000, value = 0.3,
       owner = "wharf", fortification = 2.0 }
node { id = "market", name = "Market", x = 1.0, y = 0.3, residents = 30000, value = 0.6, media = 0.6 }
node { id = "palace", name = "Palace", x = 2.0, y = 0.0, residents = 10000, value = 0.9, media = 0.9 }
node { id = "hills", name = "Hills", x = 2.4, y = 1.3, residents = 15000, value = 0.3,
       site_capacity = 4000 }
node { id = "canal", name = "Canal", x = 0.6, y = -1.0, residents = 12000, value = 0.3,
       owner = "canal_crew" }
-- road(a, b, km): two-way; the graph must be connected.
road("docks", "market", 1.3); road("market", "palace", 1.3); road("palace", "hills", 1.8)
road("docks", "canal", 1.5); road("canal", "market", 1.8)

-- gang{}: members M, jailed (freed by prison breaks), base (reach is measured from it).
gang { id = "wharf", name = "Wharf gang", members = 600, jailed = 200, base = "docks" }
gang { id = "canal_crew", name = "Canal crew", members = 300, base = "canal", aggression = 1.2 }
coalition { id = "pact", members = { "wharf", "canal_crew" }, cohesion = 0.6 }

-- unit{}: police patrol by default; a protection unit has no `at` (off the map).
unit { id = "police", kind = "police", officers = 300, posture = "garrison", at = "palace" }
unit { id = "reserve", kind = "police", officers = 100, at = "hills" }
unit { id = "elite", kind = "protection", officers = 400 }

-- at(t, fn): once, at day t. sim:announce counts an undeployed mission in the threat.
at(0, function(sim) sim:announce(1000) end)
at(P.attack_day, function(sim)
  if sim:owner("market") ~= "wharf" then sim:attack("wharf", "market") end   -- a forced attack
end)
at(10, function(sim)
  sim:log("prison break: %d freed", sim:prison_break(150))
  sim:set("lambda0", 0.03)                     -- any parameter, model or scenario
end)
at(20, function(sim)                           -- the announced mission arrives (guard posture)
  sim:add_force{ id = "mission", kind = "international", officers = 250, at = "palace" }
end)

-- every(dt, fn [, first]): a periodic report with the read-only queries.
every(7, function(sim)
  sim:log("t=%.0f gangs hold %.0f%% of nodes (%.0f%% of people); market: %s, %d residents, " ..
          "%d displaced from it, %d hosted; wharf %d members on %d nodes; %d officers at palace",
          sim:time(), 100 * sim:gang_share(), 100 * sim:gang_share(true), sim:owner("market"),
          sim:residents("market"), sim:displaced_from("market"), sim:displaced("hills"),
          sim:members("wharf"), sim:nodes_held("wharf"), sim:officers("palace"))
end)

-- on(kind, fn): after every event of a kind; ev has time, kind, node, actor, target, ...
on("takeover", function(sim, ev)
  sim:log("%s took %s from %s", ev.actor, ev.node, ev.target)
end)

-- when(cond, fn): fn runs once, the first time cond is true after an event.
when(function(sim, ev) return ev.kind == "takeover" and ev.node == "market" end,
     function(sim, ev)
       local n = math.min(P.recall_officers, sim:unit_officers("elite"))
       local id = sim:recall("elite", n, { to = "palace" })   -- arrives after an admin delay
       sim:log("recalled %d elite officers as %s", n, id)
       if sim:location("reserve") then sim:move("reserve", "palace") end  -- only from a node
     end)
when(function(sim) return sim:displaced_from("market") > 5000 end,
     function(sim) sim:set_capacity("hills", 8000) end)         -- open more site places
