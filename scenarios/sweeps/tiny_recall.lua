-- tiny_recall.lua: a small sweep over the tiny example scenario.
--
-- How the recall day and size, and the base attack rate, change displacement
-- and the fall of Centre. Grid parameters are crossed with a Latin hypercube
-- of `samples` points over the random ones; every design point runs
-- `replicates` times, replicate r with the streams of (seed, r).
--
--   conflictsim sweep scenarios/sweeps/tiny_recall.lua -o output/tiny_recall.h5 -j 2

sweep {
  scenario = "../examples/tiny.lua",   -- relative to this file
  seed = 7,
  replicates = 4,
  samples = 5,
  parameters = {
    { "recall_day", grid = { 2, 6, 10 } },
    { "lambda0", lhs = { 0.01, 0.05 } },
    { "recall_officers", uniform = { 50, 250 } },   -- an integer parameter: whole numbers (drawn on [50, 251), rounded down)
  },
  metrics = {
    "displaced_final", "displaced_integral", "civilian_deaths_final", "engagement_deaths",
    "gang_share_population_final", "gang_share_nodes_final", "nodes_lost",
    "clashes_gang_gang", "clashes_gang_state", "fall_time:centre",
    -- your own: a Lua function of the final state (scenarios/README.md)
    centre_residents = { function(sim) return sim:residents("centre") end, units = "persons" },
  },
  keep_trajectories = { "residents", "owner" },
  set = { verbose = false },
}
