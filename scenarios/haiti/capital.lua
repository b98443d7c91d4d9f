-- capital.lua: Port-au-Prince metro, Sep 2023 - Feb 2025 (Viv Ansanm, MSS, Solino).
--
-- The city (76 neighbourhoods, roads, gangs, coalition, police, elite pool) is lib/city.lua,
-- built from data/neighbourhoods.csv and data/gangs.csv; this file holds what is the
-- capital's own: its parameters, the calibrated model parameters and its timeline.
-- Variants are --set command lines: see README.md.
--
-- Tags: [S] sourced, [U] uncertain or second-hand, [P] a prior to calibrate; sources and
-- prior ranges: README.md, "Where the numbers come from".

scenario { name = "haiti-capital", start = "2023-09-01", days = 548, sample_every = 1 }  -- 548 days: to 1 Mar 2025; daily samples
local city = require "lib.city"
local day = city.day("2023-09-01")   -- day "2024-10-21" is 416

param("recall_officers", 300, "elite officers recalled", { min = 0, max = 600 })  -- 300 of 600 [P] for "several hundred" (AP, 21 Oct 2024 [S])
param("recall_day", day "2024-10-21", "day of the elite recall", { min = 0 })  -- 416 = 21 Oct 2024 (AP, 21 Oct 2024 [S])
param("mss_scale", 1.0, "multiplier on the MSS: announced size and every arrival", { min = 0 })  -- 1.0 = as happened
param("mss_shift_days", 0, "days added to every MSS arrival date (negative = earlier)")  -- 0 = as happened
param("prison_freed", 4700, "inmates freed by the prison breaks of 2-3 Mar 2024", { min = 0 })  -- ~4,700 [S] (observed.csv: >4,600, BINUH Q1 2024)
param("prison_gang_share", 1.0, "share of the inmates freed in Mar 2024 who join a gang", { min = 0, max = 1 })  -- [P] no source; calibrate.sh searched 0.25-1 (1 = every escapee a gang member, an upper bound)
param("cohesion0", 0.2, "cohesion of Viv Ansanm at the start", { min = 0, max = 1 })  -- [P] calibrate.sh searched 0.1-0.55: alliance announced Sep 2023 but not yet acting as one (joint offensive from 29 Feb 2024, BINUH Q1 2024 [S]); below chi_form 0.5, so it starts unformed
param("v2", false, "version 2 of the model: the start of 1 Sep 2023 and the version-2 mechanisms")
param("reported_attacks", true, "version 2: force the attacks of 5 Feb 2024 on Carrefour and Cite Soleil, whose displacement IOM counted")
city.params()   -- site_capacity_scale, scaled_site, solino_area_owner, assault_days, verbose

-- Calibrated priors (calibrate.sh searched these [P] values with `conflictsim validate`;
-- every other model parameter keeps its default, sim/README.md):
model {
  lambda0 = 0.15,      -- [P] the model's default too since Dec 2026 (was 0.01), kept here so this scenario does not move with the defaults; searched 0.01-0.17 (calibrate.sh stages 1-6): 0.15 brings gang control to ~0.8 in Oct-Dec 2024 and 2024 deaths to ~4,000-4,500
  Theta_c = 0.2,       -- [P] now also the default (was 0.4); searched 0.2-0.42: above ~0.3 the coalition loosens after the March 2024 prison breaks double the gangs
  chi_rate = 0.01,     -- [P] now also the default (was 1/30 a day); searched 0.005-1/30: slower cohesion delays the coalition's formation (1/30: within a month of the start)
  provinces_km = 5,    -- [P] now also the default (was 20); searched 5-20: 5 brings the share of IDPs in the provinces to ~0.75 (20: ~0.4)
  beta_police = 0.005, -- [P] now also the default (was beta's 0.15); searched 0.002-0.15: police units of 500 withdraw after ~3 killed, not 75;
                       -- officers killed fall from ~2,000 to ~300 a year (HNP: 48 killed in 2023, observed.csv [S]; 0.002: ~130 a year, but 2024 deaths drop below 4,000)
}

-- The city, with the Oct 2024 gang strongholds as a proxy for Sep 2023 [U]. Jailed: the gang
-- members among the ~4,700 freed in the prison breaks of 2-3 Mar 2024 ([S]; BINUH Q1 2024:
-- >4,600): prison_gang_share of them [P], split over the gangs in proportion to members [P].
-- The other inmates are not modelled (they do not join a gang).
-- Version 2 (--set v2=true; scenarios/haiti/README.md, "Version 2"): the controllers of
-- 1 Sep 2023 and the people displaced before it (data/control_sep_2023.csv,
-- data/displaced_sep_2023.csv), and the mechanisms of version 2 switched on (lib/city.lua,
-- city.version2, which solino.lua calls too). Their parameters keep the model's defaults
-- unless set; calibrated, they come from the posterior (--posterior CAL.h5).
if P.v2 then
  city.version2()
  city.declare { jailed = 4700, start = "2023-09" }
else
  city.declare { jailed = 4700 }
end

-- ======================= TIMELINE (sources: README.md) ====================
local MSS = 0  -- international units added so far
local function mss_arrive(sim, n, why)
  n = math.floor(n * P.mss_scale + 0.5)
  if n <= 0 then return end
  MSS = MSS + 1
  -- lands at the airport [S: first Kenyans landed there], or the state-held node nearest it
  local at = city.nearest_state(sim, "airport_toussaint_louverture") or "airport_toussaint_louverture"
  sim:add_force{ id = "mss" .. MSS, kind = "international", officers = n, posture = "guard", at = at }
  sim:log("MSS: +%d at %s (%s)", n, at, why)
end
local function shifted(d) return math.max(0, d + P.mss_shift_days) end

-- 2 Oct 2023: UN resolution 2699 authorises the MSS, 2,500 [S]: from now on the announced
-- mission counts in the coalition's threat (weight w_ann).
at(day "2023-10-02", function(sim) sim:announce(math.floor(2500 * P.mss_scale + 0.5)) end)
-- Arrivals, as dated in the press: 25 Jun 2024 ~400 [U] (observed.csv: 400 [S]);
-- 12 Sep 2024: 426 in all [S], so +26 (the 'about 600 in July' of observed.csv is DERIVED and
-- inconsistent with the 430 of 11 Oct 2024 [S]: not used); 18 Jan 2025 +217; 6 Feb 2025 +144.
at(shifted(day "2024-06-25"), function(sim) mss_arrive(sim, 400, "25 Jun 2024, first Kenyans [U]") end)
at(shifted(day "2024-09-12"), function(sim) mss_arrive(sim, 26, "12 Sep 2024, 426 in all [S]") end)
at(shifted(day "2025-01-18"), function(sim) mss_arrive(sim, 217, "18 Jan 2025 [S]") end)
at(shifted(day "2025-02-06"), function(sim) mss_arrive(sim, 144, "6 Feb 2025 [S]") end)

-- 29 Feb 2024: the coalition's joint offensive. Modelled as forced attacks, no change of
-- lambda0: each coalition gang attacks the state-held node nearest its base, and the nearest
-- gang attacks the airport (attacked early Mar 2024; closed 3 Mar - 20 May [S]; the closure
-- itself is not modelled). Attacks from far bases are weak (reach decays with ell) and mostly fail.
at(day "2024-02-29", function(sim)
  for _, g in ipairs(city.COALITION) do
    local j = city.nearest_state(sim, city.BASE[g])
    if j and sim:members(g) > 0 then sim:log("offensive: %s attacks %s", g, j); sim:attack(g, j) end
  end
  if sim:owner("airport_toussaint_louverture") == "STATE" then
    city.coalition_attack(sim, "airport_toussaint_louverture", "offensive")
  end
end)
-- 2-3 Mar 2024: prison breaks (National Penitentiary, Croix-des-Bouquets) [S].
at(day "2024-03-02", function(sim)
  sim:log("prison break: %d freed", sim:prison_break(math.floor(P.prison_freed * P.prison_gang_share + 0.5)))
end)
-- 17 Oct 2024: Viv Ansanm attacks Solino, and Tabarre 27 the same week (IOM counts the two
-- together: IOM, 25 Oct 2024 [S]); each by the coalition's nearest gang that does not hold it.
-- The assault lasted from Thursday to Monday (press reports [S]): one attack a day on each node
-- for P.assault_days days, skipped once a coalition gang holds it.
for d = 0, P.assault_days - 1 do
  at(day "2024-10-17" + d, function(sim) city.raid(sim, d) end)
end
-- 21 Oct 2024 (P.recall_day): the elite recall, to Solino (or the state-held node nearest it).
at(P.recall_day, function(sim) city.elite_recall(sim, P.recall_officers, "solino") end)
-- 11-17 Nov 2024: second wave on Solino, Nazon, Delmas 24 (press, IOM [S]): a round of
-- attacks on 11 Nov and another on 14 Nov [P: spread over the week].
for _, d in ipairs({ day "2024-11-11", day "2024-11-14" }) do
  at(d, function(sim)
    for _, j in ipairs({ "solino", "nazon", "delmas_24" }) do city.coalition_attack(sim, j, "second wave") end
  end)
end

-- Version 2: two dated attacks behind targets.lua's per-attack counts (IOM counted the people
-- one attack displaced from a place: the displaced_event rows of 11 Feb 2024 [S]). Unforced,
-- an engagement at each of those nodes in that week came in 2 runs of 100 (calibration 10's
-- posterior), so the counts tested whether a random attack fell there that week, not the
-- flight an attack causes; forced, as the Solino assault is, they test the flight. The
-- sources do not name the attackers: city.reported_attack, the nearest gang that does not
-- hold the node [U], and none at a node a coalition gang holds once the pact is struck (in
-- Cite Soleil, where G9 and G-Pep fought until Feb 2024, data/gangs.csv, G9 attacks in the
-- runs whose pact is not yet struck); one attack on the week's first day [P] (the Solino
-- assault has one a day). The rows of Jun and Sep 2024 (lower Delmas, Saint-Martin) are not
-- forced: both nodes were held by coalition gangs, the sources do not say who fought there,
-- and a forced fight between partners would go against the pact the model keeps, so those
-- two counts still test whether violence reached the node that week
-- (scenarios/haiti/README.md).
if P.v2 and P.reported_attacks then
  for _, e in ipairs {
    { "carrefour_centre", "gang attacks in Carrefour, 5-11 Feb 2024" },
    { "cite_soleil", "attacks on the Cite Soleil/Tabarre border quarters, 5-11 Feb 2024" },
  } do
    at(day "2024-02-05", function(sim) city.reported_attack(sim, e[1], e[2]) end)
  end
end

city.reporting(30)   -- log only: the situation every 30 days, takeovers of key places
