-- lib/city.lua: Port-au-Prince, the city capital.lua and solino.lua share.
--
--   local city = require "lib.city"
--   city.params()                  -- the city's own scenario parameters (after the scenario's)
--   city.declare { jailed = 4700 } -- nodes, roads, gangs, coalition, security forces
--   city.declare { jailed = 4700, start = "2023-09" }  -- version 2: the controllers of
--                                  -- 1 Sep 2023 and the people displaced before it
--   city.reporting(30)             -- the log lines (every 30 days, and key takeovers)
--   city.version2()                -- version 2's mechanisms and fixed settings (--set v2=true)
--
-- plus the helpers the timelines use: city.day(start), city.nearest_state,
-- city.coalition_attack, city.reported_attack, city.raid, city.elite_recall, city.COALITION,
-- city.BASE.
--
-- Read from data/ (scenarios/haiti/data/README.md): neighbourhoods.csv (the nodes) and
-- gangs.csv (the gangs, sizes and bases, each row with its source); with start =
-- "2023-09" also control_sep_2023.csv (controllers on 1 Sep 2023) and
-- displaced_sep_2023.csv (the people displaced before it, by origin). Everything else below
-- is a rule written here, with its origin.
--
-- Tags: [S] sourced, [U] uncertain or second-hand, [P] a prior to calibrate; sources and
-- prior ranges: scenarios/haiti/README.md, "Where the numbers come from".
--
-- Declaration order is node and road index order, which the model's results depend on:
-- nodes in the CSV's row order, roads in the order built below, gangs in gangs.csv's order.

local M = {}

-- Round as the scenario files print numbers ("%.3f" and so on): the declared value is the
-- double the printed literal would give.
local function rounded(fmt, v) return tonumber(string.format(fmt, v)) end

-- ---- nodes ----------------------------------------------------------------------------
-- The capital's communes (IHSI 2015, data/README.md), spelled as in the CSV. Kenscoff,
-- Gressier and Cabaret (6 rows) are outside them and are left out: they are 8-25 km from
-- the core and would hang on the graph by single long roads.
local COMMUNES = { "Port-au-Prince", "Delmas", "Pétion-Ville", "Tabarre", "Cité Soleil",
                   "Croix-des-Bouquets", "Carrefour" }
local IN_CAPITAL = {}
for _, c in ipairs(COMMUNES) do IN_CAPITAL[c] = true end

local ROWS = {}    -- the selected rows of neighbourhoods.csv, in the CSV's order
for _, r in ipairs(csv("data/neighbourhoods.csv")) do
  if IN_CAPITAL[r.commune] then ROWS[#ROWS + 1] = r end
end
local NODES = {}   -- node ids, declaration order
for i, r in ipairs(ROWS) do NODES[i] = r.id end
M.NODES = NODES

-- x, y: km on a local plane, equirectangular projection around the centroid of these nodes:
-- x = R (lon - lon0) cos(lat0), y = R (lat - lat0), R = 6371 km (not nodes_from's 6371.0088:
-- these are the positions the scenarios have always used). Coordinates are the CSV's
-- (+-0.2-4 km, see its README). Declared rounded to metres.
local R_EARTH = 6371.0
local lat0, lon0 = 0.0, 0.0
for _, r in ipairs(ROWS) do lat0 = lat0 + r.lat; lon0 = lon0 + r.lon end
lat0, lon0 = lat0 / #ROWS, lon0 / #ROWS
local XY = {}      -- unrounded, for the road and owner rules below
local POS = {}     -- as declared, for the helpers
do
  local k = math.pi / 180 * R_EARTH
  local coslat0 = math.cos(lat0 * (math.pi / 180))
  for _, r in ipairs(ROWS) do
    local x, y = (r.lon - lon0) * k * coslat0, (r.lat - lat0) * k
    XY[r.id] = { x, y }
    POS[r.id] = { rounded("%.3f", x), rounded("%.3f", y) }
  end
end
local function dist(a, b)      -- straight line, km, unrounded positions
  local dx, dy = XY[a][1] - XY[b][1], XY[a][2] - XY[b][2]
  return math.sqrt(dx * dx + dy * dy)
end

-- Gangs: data/gangs.csv (sizes [P] within the priors of README.md, bases from the CSV's
-- controllers, Laboule and Santo [U]; the source column says which). Coalition: Viv Ansanm,
-- G9, G-Pep and the gangs reported allied with them (press reports [S]; membership of the
-- smaller gangs from press reports [U]).
local GANGS = csv("data/gangs.csv")
local BASE, COALITION, IS_BASE, ALL = {}, {}, {}, {}
for _, g in ipairs(GANGS) do
  ALL[#ALL + 1] = g.id
  BASE[g.id] = g.base
  IS_BASE[g.base] = true
  if g.coalition == "yes" then COALITION[#COALITION + 1] = g.id end
end
M.BASE, M.COALITION = BASE, COALITION
local IN_COALITION = {}
for _, g in ipairs(COALITION) do IN_COALITION[g] = true end

-- Owner in Oct 2024: the CSV's controller_oct_2024, gang names mapped to the scenario's
-- gangs: explicit names first (the first of these found in the text wins) ...
local CONTROLLER = {
  { "Kraze", "kraze_barye" }, { "400 Mawozo", "mawozo" }, { "Canaan", "canaan" },
  { "Ti Bwa", "ti_bwa" }, { "5 Segonn", "segonn" }, { "Grand Ravine gang", "grand_ravine" },
  { "G-Pep \"Nan Brooklyn\"", "gpep" }, { "G9:", "g9" }, { "Barbecue", "g9" },
  { "Bel Air gang", "g9" }, { "G9-aligned", "g9" },
}
local function owner_oct_2024(r)
  local c = r.controller_oct_2024
  if c == "STATE" or c == "CONTESTED" then return c end
  for _, rule in ipairs(CONTROLLER) do
    if c:find(rule[1], 1, true) then return rule[2] end
  end
  -- ... else ("Viv Ansanm (faction unverified)", "(G9 + G-Pep)", local gangs of Boston,
  -- Simon Pele, Wharf Jeremie) the coalition gang whose base is nearest [P rule]; ties by id.
  local cands = c:find("G9 + G-Pep", 1, true) and { "g9", "gpep" } or COALITION
  local best, bd
  for _, g in ipairs(cands) do
    local d = dist(r.id, BASE[g])
    if not best or d < bd or (d == bd and g < best) then best, bd = g, d end
  end
  return best
end

-- Nodes whose owner in the CSV (Oct 2024, "CONTESTED") reflects the attacks of 17 Oct 2024
-- onwards (CSV notes: "attacked from 17 Oct 2024", "Attacked with Solino in Oct-Nov 2024",
-- "Contested from mid-Nov 2024"): before those attacks the state held them. Both scenarios
-- start them at P.solino_area_owner (default "STATE"). capital.lua uses the Oct 2024
-- owners of the others as a proxy for Sep 2023 [U].
local SOLINO_AREA = { solino = true, nazon = true, delmas_24 = true, tabarre_27 = true }

-- Strategic value V, from strategic_note, by the value priors of README.md [P]; the first
-- rule that matches wins.
local RESIDENTIAL = { low = 0.2, mixed = 0.3, dense = 0.4, facility = 0.2 }
local function density_class(r)    -- the CSV's allocation weight class
  for _, k in ipairs({ "facility", "low", "mixed", "dense" }) do
    if r.population_method:find("weight class '" .. k .. "'", 1, true) then return k end
  end
  return "mixed"
end
local function starts(s, prefix) return s:sub(1, #prefix) == prefix end
local function value_of(r, v2)
  local note, id = r.strategic_note, r.id
  if starts(note, "airport") or note == "port" or starts(note, "fuel terminal") then
    return 1.0                                   -- airport, port, fuel terminal: 1.0 [P]
  elseif note == "palace" then
    return 0.9                                   -- National Palace: 0.9 [P]
  elseif id == "martissant" or id == "croix_des_bouquets_centre"
      or note:find("chokepoint", 1, true) then
    return 0.8                                   -- road chokepoint: 0.8 [P]
  elseif id == "solino" and not v2 then
    return 0.6                                   -- Solino: 0.6 [P]; version 2 (the start of Sep 2023): its
                                                 -- density class, like its neighbours (the CSV gives it no
                                                 -- strategic note; 0.6 singled out the place the case is about)
  elseif starts(note, "hospital") then
    return 0.6                                   -- hospital: 0.6 [P]
  elseif starts(note, "US Embassy") or starts(note, "police academy")
      or note:find("courts", 1, true) or note:find("diplomatic", 1, true) then
    return 0.6                                   -- state/diplomatic site: the hospital tier [P, no prior of its own]
  elseif starts(note, "national road") or starts(note, "road junction") or starts(note, "road to") then
    return 0.5                                   -- road not marked a chokepoint [P, between residential and chokepoint]
  end
  return RESIDENTIAL[density_class(r)]           -- residential by density class, 0.2-0.4 [P]
end

-- Displacement sites. The CSV flags three places as IDP sites or refuges. Their total
-- capacity is the number of people in the metro's 86 sites on 22 Mar 2024, 88,743
-- (observed.csv idp_metro_sites, IOM [S]), used as a capacity and split equally [P];
-- P.site_capacity_scale multiplies the site named by P.scaled_site (or all).
local SITE_TOTAL = 88743
local SITES = { "canape_vert", "delmas_33", "clercine" }
local SITE_BASE = {}
for i, s in ipairs(SITES) do
  SITE_BASE[s] = SITE_TOTAL // #SITES + (i <= SITE_TOTAL % #SITES and 1 or 0)
end

local STRONGHOLD_F = 2.0   -- fortification at a gang's base, if the gang holds it [P]; else F_urban

-- ---- roads ----------------------------------------------------------------------------
-- Each node to its 4 nearest neighbours (straight line; ties by id), length = straight-line
-- km x 1.3, a detour factor [P, no source], rounded to metres. Components are then joined
-- by their closest pair until the graph is connected (with today's CSV it already is).
-- Roads are declared by the declaration order of their ends, the end first in byte order
-- of the ids first.
local K_NEAREST, DETOUR = 4, 1.3
local function build_roads()
  local order, edges, list = {}, {}, {}
  for i, id in ipairs(NODES) do order[id] = i end
  local function add(a, b)
    if b < a then a, b = b, a end
    local key = a .. "\0" .. b
    if not edges[key] then edges[key] = true; list[#list + 1] = { a, b } end
  end
  for _, a in ipairs(NODES) do   -- the K_NEAREST nearest, by (distance, id), picked in turn
    local d, taken = {}, { [a] = true }
    for _, b in ipairs(NODES) do d[b] = dist(a, b) end
    for _ = 1, K_NEAREST do
      local best
      for _, b in ipairs(NODES) do
        if not taken[b] and (not best or d[b] < d[best] or (d[b] == d[best] and b < best)) then best = b end
      end
      taken[best] = true
      add(a, best)
    end
  end
  while true do   -- components, numbered from the first node's
    local adj, comp, ncomp = {}, {}, 0
    for _, id in ipairs(NODES) do adj[id] = {} end
    for _, e in ipairs(list) do
      table.insert(adj[e[1]], e[2]); table.insert(adj[e[2]], e[1])
    end
    for _, id in ipairs(NODES) do
      if not comp[id] then
        local stack = { id }
        comp[id] = ncomp
        while #stack > 0 do
          local u = table.remove(stack)
          for _, v in ipairs(adj[u]) do
            if not comp[v] then comp[v] = ncomp; stack[#stack + 1] = v end
          end
        end
        ncomp = ncomp + 1
      end
    end
    if ncomp == 1 then break end
    local best, bd   -- the closest pair between the first component and the rest
    for _, a in ipairs(NODES) do
      for _, b in ipairs(NODES) do
        if comp[a] == 0 and comp[b] ~= 0 then
          local d = dist(a, b)
          if not best or d < bd or (d == bd and (a < best[1] or (a == best[1] and b < best[2]))) then
            best, bd = { a, b }, d
          end
        end
      end
    end
    add(best[1], best[2])
  end
  table.sort(list, function(p, q)
    if order[p[1]] ~= order[q[1]] then return order[p[1]] < order[q[1]] end
    return order[p[2]] < order[q[2]]
  end)
  for _, e in ipairs(list) do e[3] = rounded("%.3f", dist(e[1], e[2]) * DETOUR) end
  return list
end

-- ---- security forces --------------------------------------------------------------------
-- Police: ~3,000 on duty in the metro [P] (13,196 on the books, end 2023, BINUH [S]) in six
-- units of 500 [P] at state-held places of high value or population; garrison at the
-- airport and the US Embassy area (Tabarre), patrol elsewhere [P].
local POLICE = {
  { "hnp_airport", "airport_toussaint_louverture", "garrison" },
  { "hnp_downtown", "lalue", "patrol" },
  { "hnp_canape_vert", "canape_vert", "patrol" },
  { "hnp_delmas", "delmas_33", "patrol" },
  { "hnp_petion_ville", "petion_ville_centre", "patrol" },
  { "hnp_tabarre", "tabarre_centre", "garrison" },
}
-- Elite protection pool: 600 officers off the map [P], of whom 300 are recalled [P] for the
-- "several hundred" recalled on 21 Oct 2024 (press reports, AP [S]).
local ELITE = 600

-- ---- the start of version 2: 1 Sep 2023 (data/README.md, "The start, 1 Sep 2023") -------
-- Controllers: control_sep_2023.csv, one row per node (STATE, CONTESTED or a gang id of
-- gangs.csv). People displaced before the start: displaced_sep_2023.csv, an allocation of
-- IOM's stocks to origin nodes and to sites, host families and the provinces. Rows whose
-- origin is not one of this city's nodes (outside the metro, Cabaret) are left out: they
-- are not the capital's people. The 2015 populations of the CSV are pre-crisis baselines,
-- so an origin's residents at the start are its population less the people displaced
-- from it (the model counts declared displaced people apart from residents).
local IS_NODE = {}
for _, id in ipairs(NODES) do IS_NODE[id] = true end
local IS_GANG = {}
for _, g in ipairs(GANGS) do IS_GANG[g.id] = true end
local function start_sep_2023()
  local sep = { owner = {}, gone = {}, rows = {} }
  for _, r in ipairs(csv("data/control_sep_2023.csv")) do
    local c = r.controller_sep_2023
    if IS_NODE[r.id] then
      if c ~= "STATE" and c ~= "CONTESTED" and not IS_GANG[c] then
        error("data/control_sep_2023.csv: node " .. r.id .. ": controller '" .. c .. "' is not STATE, CONTESTED or a gang of gangs.csv")
      end
      sep.owner[r.id] = c
    end
  end
  for _, id in ipairs(NODES) do
    if not sep.owner[id] then error("data/control_sep_2023.csv: no row for node " .. id) end
  end
  for _, r in ipairs(csv("data/displaced_sep_2023.csv")) do
    if IS_NODE[r.origin] then
      local n = math.tointeger(r.persons)
      if not n or n < 0 then error("data/displaced_sep_2023.csv: origin " .. r.origin .. ": persons must be a whole number >= 0") end
      sep.gone[r.origin] = (sep.gone[r.origin] or 0) + n
      sep.rows[#sep.rows + 1] = { origin = r.origin, location = r.location, n = n,
                                  controller = r.origin_controller_sep_2023 }
    end
  end
  return sep
end
-- Where they stay [P, a rule of this file]: people in sites are split over the sites in
-- proportion to their capacity (largest remainders, in SITES order); people with host
-- families stay at the state-held node nearest their origin (straight line; ties by id);
-- the rest are in the provinces.
local function declare_displaced(sep, owner)
  local function nearest_state_node(from)
    local best, bd
    for _, j in ipairs(NODES) do
      if owner[j] == "STATE" and j ~= from then
        local d = dist(from, j)
        if not best or d < bd or (d == bd and j < best) then best, bd = j, d end
      end
    end
    return best
  end
  local cap = 0
  for _, s in ipairs(SITES) do cap = cap + SITE_BASE[s] end
  for _, r in ipairs(sep.rows) do
    if r.n > 0 then
      if r.location == "provinces" then
        displaced { origin = r.origin, at = "provinces", n = r.n, controller = r.controller }
      elseif r.location == "host" then
        displaced { origin = r.origin, at = nearest_state_node(r.origin), n = r.n, controller = r.controller }
      elseif r.location == "site" then
        local share, left, order = {}, r.n, {}
        for i, s in ipairs(SITES) do
          share[i] = r.n * SITE_BASE[s] // cap
          left = left - share[i]
          order[i] = i
        end
        table.sort(order, function(a, b)
          local ra, rb = r.n * SITE_BASE[SITES[a]] % cap, r.n * SITE_BASE[SITES[b]] % cap
          if ra ~= rb then return ra > rb end
          return a < b
        end)
        for k = 1, left do share[order[k]] = share[order[k]] + 1 end
        for i, s in ipairs(SITES) do
          if share[i] > 0 and s ~= r.origin then
            displaced { origin = r.origin, at = s, n = share[i], sites = share[i], controller = r.controller }
          elseif share[i] > 0 then   -- a site's own people: with host families next door
            displaced { origin = r.origin, at = nearest_state_node(r.origin), n = share[i], controller = r.controller }
          end
        end
      else
        error("data/displaced_sep_2023.csv: origin " .. r.origin .. ": location '" .. r.location .. "' is not site, host or provinces")
      end
    end
  end
end

-- ---- declarations ---------------------------------------------------------------------

-- ---- version 2 ---------------------------------------------------------------------------
-- The mechanisms of version 2 switched on, with the settings the calibrations of capital.lua
-- keep fixed (scenarios/haiti/README.md, "Version 2"). capital.lua and solino.lua --set
-- v2=true both call it, so the two scenarios run the same model; the calibrated parameters
-- come from the posterior (--posterior CAL.h5).
function M.version2()
  model {
    coalition_model = "bargain",   -- a pact struck under threat (sim/README.md, bargain.c)
    brigade_model = "grown",       -- self-defence brigades (brigade.c)
    return_rule = "stable",        -- returns only to safe origins held by the same controller (cohorts.c)
    response_model = "pool",       -- police response from a limited pool of officers, a queue (dispatch.c)
    flight_model = "exposure",     -- flight of the residents the fighting reached, with stayers (exposure.c)
    expose_by = "fighters",        -- ... as many as the fight's fighters reach (exposure.c; Melander and Oberg 2006)
    control_model = "shares",      -- partial control, moved by engagements (control.c)
    reach = "spread",              -- members live across the nodes a gang holds and fight from them (reach.c)
    joint_share = 0.5,             -- partners join each other's attacks once the pact is struck (joint.c) [U]
    consolidate_rate = 0.02,       -- a node's majority holder takes over its other shares, ~50 days (control.c) [P]
    ell_police = 1,                -- police posts cover the STATE-held nodes within about a km (cover.c) [P]
    presence_half = 50,            -- a STATE hold needs officers within reach: 50 at or covering a node make half a presence (control.c) [P]
    erode_rate = 0.02,             -- a hold without them wears down to nobody's, ~35 days to half (control.c) [P]
    erode_where = "frontier",      -- ... but only while a road neighbour is not the state's (control.c; Kalyvas 2006)
  }
end

-- The scenario parameters of the city, declared after the scenario's own.
function M.params()
  param("site_capacity_scale", 1.0, "multiplier on the capacity of the displacement site(s) named by scaled_site", { min = 0 })  -- 1.0 = as observed [P]
  param("scaled_site", "all", "site scaled by site_capacity_scale: all, canape_vert, delmas_33 or clercine")
  param("solino_area_owner", "STATE", "owner at the start of solino, nazon, delmas_24, tabarre_27 (CSV: CONTESTED after 17 Oct 2024)")
  param("assault_days", 5, "days of the Solino / Tabarre 27 assault from 17 Oct 2024, one attack a day on each", { min = 0 })  -- 5: from Thursday 17 to Monday 21 Oct (press reports [S])
  param("verbose", true, "log the monthly situation and key takeovers")
end

-- Declares the city. opts.jailed: gang members in prison at the start, split over the gangs
-- in proportion to their members (largest remainders; ties by gangs.csv order), each gang's
-- share times P.prison_gang_share; 0 if not given.
function M.declare(opts)
  opts = opts or {}
  if P.scaled_site ~= "all" and not SITE_BASE[P.scaled_site] then
    error("scaled_site must be 'all' or one of: " .. table.concat(SITES, ", "))
  end
  local function site(id)
    local scale = (P.scaled_site == "all" or P.scaled_site == id) and P.site_capacity_scale or 1.0
    return math.floor(SITE_BASE[id] * scale + 0.5)
  end
  local v2 = opts.start ~= nil
  if v2 and opts.start ~= "2023-09" then error("city.declare: start must be \"2023-09\" or absent") end
  local sep = v2 and start_sep_2023() or nil
  local owner = {}
  for _, r in ipairs(ROWS) do
    local o = v2 and sep.owner[r.id] or owner_oct_2024(r)
    owner[r.id] = o
    local held = o ~= "STATE" and o ~= "CONTESTED"
    node {
      id = r.id, name = r.name, commune = r.commune, x = POS[r.id][1], y = POS[r.id][2],
      residents = r.population_estimate - (v2 and sep.gone[r.id] or 0), value = value_of(r, v2),
      owner = (SOLINO_AREA[r.id] and not v2) and P.solino_area_owner or o,
      media = 0.5,   -- reach of reporting [P, no source; calibrate]
      fortification = (IS_BASE[r.id] and held) and STRONGHOLD_F or nil,
      site_capacity = SITE_BASE[r.id] and site(r.id) or nil,
    }
  end
  for _, e in ipairs(build_roads()) do road(e[1], e[2], e[3]) end

  local total, jailed = 0, opts.jailed or 0
  for _, g in ipairs(GANGS) do total = total + g.members end
  local alloc, left, by_rest = {}, jailed, {}
  for i, g in ipairs(GANGS) do
    alloc[i] = g.members * jailed // total
    left = left - alloc[i]
    by_rest[i] = i
  end
  table.sort(by_rest, function(i, j)   -- stable: ties keep gangs.csv order
    return GANGS[i].members * jailed % total > GANGS[j].members * jailed % total
  end)
  for n = 1, left do alloc[by_rest[n]] = alloc[by_rest[n]] + 1 end
  for i, g in ipairs(GANGS) do   -- firepower and aggression: the model's defaults
    gang { id = g.id, name = g.name, members = g.members, base = g.base,
           jailed = jailed > 0 and math.floor(alloc[i] * P.prison_gang_share + 0.5) or 0 }
  end
  -- Viv Ansanm; cohesion at the start: the scenario's cohesion0.
  coalition { id = "viv_ansanm", members = COALITION, cohesion = P.cohesion0 }
  -- The wars fought between the scenario's gangs before March 2024 (gangs.csv,
  -- rivals_before_mar_2024 [S]; data/README.md): their attacks on each other weigh w_rival
  -- times wR (1, the model's default: like any other gang; sim/README.md, attack.c).
  for _, g in ipairs(GANGS) do
    for h in string.gmatch(g.rivals_before_mar_2024 or "", "[^;]+") do
      if not IS_GANG[h] then error("gangs.csv: gang " .. g.id .. ": rival '" .. h .. "' is not a gang id") end
      rivals(g.id, h)
    end
  end

  for _, u in ipairs(POLICE) do
    if owner[u[2]] ~= "STATE" then error("police unit " .. u[1] .. ": " .. u[2] .. " is not state-held") end
    unit { id = u[1], kind = "police", officers = 500, posture = u[3], at = u[2] }
  end
  unit { id = "elite", kind = "protection", officers = ELITE }
  if v2 then declare_displaced(sep, owner) end
end

-- ---- helpers for the timelines ----------------------------------------------------------

-- city.day("2023-09-01") returns a function of a date "YYYY-MM-DD" giving the day number
-- counted from that start (an integer): day "2024-10-21" is 416.
local function civil(date)   -- days since 1970-01-01 (H. Hinnant's days_from_civil)
  local y, m, d = date:match("^(%d%d%d%d)-(%d%d)-(%d%d)$")
  if not y then error("not a date YYYY-MM-DD: " .. tostring(date), 3) end
  y, m, d = math.tointeger(tonumber(y)), math.tointeger(tonumber(m)), math.tointeger(tonumber(d))
  if m <= 2 then y = y - 1 end
  local era = y // 400
  local yoe = y - era * 400
  local doy = (153 * (m + (m > 2 and -3 or 9)) + 2) // 5 + d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  return era * 146097 + doe - 719468
end
function M.day(start)
  local s = civil(start)
  return function(date) return civil(date) - s end
end

local function km(a, b)   -- straight line between declared positions
  local p, q = POS[a], POS[b]
  return math.sqrt((p[1] - q[1])^2 + (p[2] - q[2])^2)
end
-- The gang of ids whose base is nearest to node (straight line), among those that do not
-- hold it and have active members; ties by the order of ids.
local function nearest_gang(sim, node, ids)
  local best, bd = nil, math.huge
  for _, g in ipairs(ids) do
    if sim:owner(node) ~= g and sim:members(g) > 0 and km(BASE[g], node) < bd then
      best, bd = g, km(BASE[g], node)
    end
  end
  return best
end
-- The state-held node nearest to node (node itself if the state holds it), or nil.
function M.nearest_state(sim, node)
  local best, bd = nil, math.huge
  for _, j in ipairs(NODES) do
    if sim:owner(j) == "STATE" and km(j, node) < bd then best, bd = j, km(j, node) end
  end
  return best
end
-- Attack node with the nearest coalition gang, unless a coalition gang already holds it.
function M.coalition_attack(sim, node, why)
  if IN_COALITION[sim:owner(node)] then
    sim:log("%s: %s already held by %s, no attack", why, node, sim:owner(node)); return
  end
  local g = nearest_gang(sim, node, COALITION)
  if not g then sim:log("%s: no coalition gang can attack %s", why, node); return end
  sim:log("%s: %s attacks %s (held by %s)", why, g, node, sim:owner(node))
  sim:attack(g, node)
end
-- For an attack the sources date and place but do not pin on a gang (IOM's per-attack
-- counts): the gang, of all in data/gangs.csv, whose base is nearest to node attacks it,
-- among those that do not hold it and have active members (ties by the CSV's order). No
-- attack at a node a coalition gang holds once the pact is struck: the model keeps partners
-- from fighting, and the sources name no outside gang to send instead.
function M.reported_attack(sim, node, why)
  local holder = sim:owner(node)
  if IN_COALITION[holder] and sim:coalition("viv_ansanm").formed then
    sim:log("%s: %s held by %s, whose pact is struck: no attack", why, node, holder); return
  end
  local g = nearest_gang(sim, node, ALL)
  if not g then sim:log("%s: no gang can attack %s", why, node); return end
  sim:log("%s: %s attacks %s (held by %s)", why, g, node, holder)
  sim:attack(g, node)
end
-- Day d of the assault on Solino and Tabarre 27 (17 Oct 2024 is day 0).
function M.raid(sim, d)
  M.coalition_attack(sim, "solino", "Solino attack, day " .. (d + 1))
  M.coalition_attack(sim, "tabarre_27", "Tabarre 27 attack, day " .. (d + 1))
end
-- Recall n elite officers (at most what the pool still holds: desertion shrinks it) to
-- the state-held node nearest to node.
function M.elite_recall(sim, n, node)
  local have = sim:unit_officers("elite")
  if n > have then sim:log("recall: %d asked, the pool holds %d", n, have); n = have end
  if n <= 0 then sim:log("recall: none"); return end
  local to = M.nearest_state(sim, node)
  if not to then sim:log("recall: no state-held node left"); return end
  local id = sim:recall("elite", n, { to = to })
  sim:log("recall: %d elite officers to %s as unit %s", n, to, id)
end

-- The log (nothing the model reads): the situation every dt days, and the takeovers of the
-- places to watch. Register it after the timeline (timers at one time fire in order set).
local WATCH = { solino = true, nazon = true, delmas_24 = true, tabarre_27 = true,
                airport_toussaint_louverture = true, port_autonome_pap = true,
                champ_de_mars_palais_national = true, varreux_terminal = true }
function M.reporting(dt)
  every(dt, function(sim)
    if P.verbose then
      sim:log("gangs hold %.0f%% of the population, %.0f%% of the nodes; Solino: %s, %d displaced from it",
              100 * sim:gang_share(true), 100 * sim:gang_share(), sim:owner("solino"), sim:displaced_from("solino"))
    end
  end)
  on("takeover", function(sim, ev)
    if P.verbose and WATCH[ev.node] then sim:log("%s took %s from %s", ev.actor, ev.node, ev.target) end
  end)
end

return M
