-- solino.lua: the Solino offensive of October 2024, 60 days from 10 Oct 2024.
--
-- The same city as capital.lua (lib/city.lua, from data/neighbourhoods.csv and
-- data/gangs.csv) in its Oct 2024 state: owners are the CSV's controller_oct_2024, with
-- Solino, Nazon, Delmas 24 and Tabarre 27 held by the state before the attacks. For quick
-- 'what if' runs on the attack of 17 Oct and the elite recall of 21 Oct.
-- Variants are --set command lines: see README.md.
--
-- Tags: [S] sourced, [U] uncertain or second-hand, [P] a prior to calibrate; sources and
-- prior ranges: README.md, "Where the numbers come from".

scenario { name = "haiti-solino", start = "2024-10-10", days = 60, sample_every = 1 }  -- 60 days: to 9 Dec 2024
local city = require "lib.city"
local day = city.day("2024-10-10")   -- day "2024-10-17" is 7

param("attack_day", day "2024-10-17", "day of the attack on Solino", { min = 0 })  -- Thu 17 Oct 2024 (AP, 21 Oct 2024 [S])
param("recall_officers", 300, "elite officers recalled", { min = 0, max = 600 })  -- 300 of 600 [P] for "several hundred" (AP, 21 Oct 2024 [S])
param("recall_delay_days", day "2024-10-21" - day "2024-10-17", "days from the attack to the elite recall", { min = 0 })  -- 4: 21 Oct 2024 (AP, 21 Oct 2024 [S])
param("mss_scale", 1.0, "multiplier on the MSS present and announced", { min = 0 })  -- 1.0 = as happened
param("second_wave", true, "the attacks of 11-17 Nov 2024 on Solino, Nazon, Delmas 24")
param("cohesion0", 0.55, "cohesion of Viv Ansanm at the start", { min = 0, max = 1 })  -- [P] Oct 2024: Viv Ansanm acting as one since Feb 2024 (BINUH Q1 2024 [S]); just above the formation threshold chi_form 0.5
city.params()   -- site_capacity_scale, scaled_site, solino_area_owner, assault_days, verbose

-- Calibrated priors, the same as capital.lua's (calibrate.sh searched these [P] values with
-- `conflictsim validate` on capital.lua; every other model parameter keeps its default, sim/README.md):
model {
  lambda0 = 0.15,      -- [P] the model's default too since Dec 2026 (was 0.01), kept here so this scenario does not move with the defaults; searched 0.01-0.17 (calibrate.sh stages 1-6): 0.15 brings gang control to ~0.8 in Oct-Dec 2024 and 2024 deaths to ~4,000-4,500
  Theta_c = 0.2,       -- [P] now also the default (was 0.4); searched 0.2-0.42: above ~0.3 the coalition loosens after the March 2024 prison breaks double the gangs
  chi_rate = 0.01,     -- [P] now also the default (was 1/30 a day); searched 0.005-1/30: slower cohesion delays the coalition's formation (1/30: within a month of the start)
  provinces_km = 5,    -- [P] now also the default (was 20); searched 5-20: 5 brings the share of IDPs in the provinces to ~0.75 (20: ~0.4)
  beta_police = 0.005, -- [P] now also the default (was beta's 0.15); searched 0.002-0.15: police units of 500 withdraw after ~3 killed, not 75;
                       -- officers killed fall from ~2,000 to ~300 a year (HNP: 48 killed in 2023, observed.csv [S]; 0.002: ~130 a year, but 2024 deaths drop below 4,000)
}

-- Version 2 (--set v2=true; README.md, "Version 2"): the mechanisms of version 2 switched on,
-- the same as capital.lua's (lib/city.lua, city.version2; until 7 Dec 2026 this file had its
-- own list, which lacked the seven settings capital.lua gained from calibration 3 on: reach,
-- joint_share, consolidate_rate, ell_police, presence_half, erode_rate and erode_where); the
-- start stays the Oct 2024 state above (nobody displaced
-- at the start, no brigade grown yet). For the calibrated parameters, run it under the
-- posterior of capital.lua's calibration: --posterior CAL.h5 (validate, compare, run).
param("v2", false, "version 2 of the model's mechanisms")
if P.v2 then city.version2() end

city.declare()   -- jailed: 0 (Oct 2024: after the prison breaks of Mar 2024)

-- ======================= TIMELINE =======================
-- Day 0: the MSS present, 426 (12 Sep 2024 [S]; observed.csv: ~430 on 11 Oct [S]), at the airport;
-- the rest of the 2,500 authorised [S] still announced.
at(0, function(sim)
  local here = math.floor(426 * P.mss_scale + 0.5)
  if here > 0 then
    sim:add_force{ id = "mss1", kind = "international", officers = here, posture = "guard",
                   at = "airport_toussaint_louverture" }
  end
  sim:announce(math.max(0, math.floor(2500 * P.mss_scale + 0.5) - here))
end)
-- 17 Oct 2024: Solino, and Tabarre 27 the same week (AP, IOM [S]), by the nearest coalition gang;
-- the assault lasted from Thursday to Monday (press reports [S]): one attack a day on each node for
-- P.assault_days days, skipped once a coalition gang holds it.
for d = 0, P.assault_days - 1 do
  at(P.attack_day + d, function(sim) city.raid(sim, d) end)
end
-- 21 Oct 2024: the elite recall, P.recall_delay_days after the attack.
at(P.attack_day + P.recall_delay_days, function(sim) city.elite_recall(sim, P.recall_officers, "solino") end)
-- 11-17 Nov 2024: the second wave (press, IOM [S]), rounds on 11 and 14 Nov [P].
if P.second_wave then
  for _, d in ipairs({ day "2024-11-11", day "2024-11-14" }) do
    at(d, function(sim)
      for _, j in ipairs({ "solino", "nazon", "delmas_24" }) do city.coalition_attack(sim, j, "second wave") end
    end)
  end
end

city.reporting(5)   -- log only: the situation every 5 days, takeovers of key places
