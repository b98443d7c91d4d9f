-- tiny.lua: a small, complete scenario to copy and edit.
--
-- Seven neighbourhoods on a local plane (km), two gangs that start allied,
-- a police unit in the centre, and the elite protection pool. On day
-- P.recall_day, P.recall_officers elite officers are recalled to Centre.
--
--   conflictsim run scenarios/examples/tiny.lua --seed 1 --set recall_day=6

scenario { name = "tiny", start = "2024-10-17", days = 30, sample_every = 1 }

param("recall_day", 4, "day the elite officers are recalled", { min = 0 })
param("recall_officers", 120, "officers recalled from protection duty", { min = 0 })
param("verbose", true, "log the daily situation")

-- Model parameters (sim/README.md, Parameters); a --set on the command line wins.
model { lambda0 = 0.02 }

-- Nodes may name as owner a gang declared further down.
node { id = "port",    name = "Port",     commune = "Bayside", x = 0.0, y = 0.0,
       residents = 12000, value = 0.4, owner = "docks" }
node { id = "market",  name = "Market",   commune = "Bayside", x = 1.0, y = 0.2,
       residents = 18000, value = 0.6, media = 0.5 }
node { id = "centre",  name = "Centre",   commune = "Uptown",  x = 2.0, y = 0.0,
       residents = 25000, value = 0.9, fortification = 1.5, site_capacity = 3000, media = 0.9 }
node { id = "hill",    name = "Hill",     commune = "Uptown",  x = 2.5, y = 1.2,
       residents = 9000,  value = 0.5 }
node { id = "canal",   name = "Canal",    commune = "Bayside", x = 0.8, y = -1.0,
       residents = 15000, value = 0.3, owner = "canal_boys" }
node { id = "airport", name = "Airport",  commune = "Uptown",  x = 3.5, y = -0.5,
       residents = 4000,  value = 0.8, site_capacity = 5000 }
node { id = "bridge",  name = "Bridge",   commune = "Bayside", x = 1.6, y = -0.9,
       residents = 7000,  value = 0.5, owner = "CONTESTED" }

road("port", "market", 1.0)
road("market", "centre", 1.0)
road("centre", "hill", 1.3)
road("centre", "airport", 1.6)
road("port", "canal", 1.2)
road("canal", "bridge", 0.8)
road("bridge", "centre", 1.0)
road("market", "bridge", 1.2)

gang { id = "docks", name = "Docks Crew", members = 400, jailed = 30, base = "port" }
gang { id = "canal_boys", name = "Canal Boys", members = 250, base = "canal",
       firepower = 0.06, aggression = 1.5 }
coalition { id = "alliance", members = { "docks", "canal_boys" }, cohesion = 0.6 }

unit { id = "hnp_centre", kind = "police", officers = 150, at = "centre" }
unit { id = "elite", kind = "protection", officers = 300 }

at(P.recall_day, function(sim)
  local id = sim:recall("elite", P.recall_officers, { to = "centre" })
  sim:log("recalled %d officers as unit %s", P.recall_officers, id)
end)

every(5, function(sim)
  if P.verbose then
    sim:log("gangs hold %.0f%% of the nodes; centre owned by %s, %d displaced from it",
            100 * sim:gang_share(), sim:owner("centre"), sim:displaced_from("centre"))
  end
end)

on("takeover", function(sim, ev)
  sim:log("%s took %s from %s", ev.actor, ev.node, ev.target)
end)

-- Fires once: the first time a gang takes a node the state held.
when(function(sim, ev) return ev.kind == "takeover" and ev.target == "STATE" end,
     function(sim, ev)
       -- a unit on the road (or falling back) cannot be sent: check first
       if sim:location("hnp_centre") then
         sim:log("first state node lost (%s): sending the police", ev.node)
         sim:move("hnp_centre", ev.node)
       end
     end)
