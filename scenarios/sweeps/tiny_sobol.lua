-- tiny_sobol.lua: which parameters drive displacement and clashes in the
-- tiny example? A global sensitivity analysis (Sobol' indices).
--
-- design = "sobol" runs Saltelli's scheme: `samples` = N base rows, each
-- giving d + 2 design points (here N = 64, d = 4: 384 points, x 2
-- replicates = 768 runs). Every parameter is varied over a range (uniform or
-- loguniform; no grid, no lhs). The sweep file gets a group /sensitivity
-- with the first-order (S1) and total (ST) indices of every metric and
-- parameter and their 95% bootstrap intervals, and `conflictsim sweep`
-- prints them (scenarios/README.md, "Sensitivity analysis").
--
--   conflictsim sweep scenarios/sweeps/tiny_sobol.lua -o output/tiny_sobol.h5 -j 2
--   /usr/bin/python3 output/plot_sensitivity.py output/tiny_sobol.h5 -o output/tiny_sobol.png
--
-- For a first screening of many parameters at fewer runs, design = "morris"
-- (samples = r trajectories of d + 1 points, levels = 4) ranks them by mu*.

sweep {
  scenario = "../examples/tiny.lua",   -- relative to this file
  seed = 7,
  design = "sobol",
  samples = 64,                         -- N base rows: 64 x (4 + 2) points
  replicates = 2,                       -- the mean of the replicates is analysed
  bootstrap = 1000,                     -- resamples of the base rows for the intervals
  parameters = {
    { "lambda0", loguniform = { 0.01, 0.05 } },
    { "h1", uniform = { 0.05, 0.3 } },
    { "recall_day", uniform = { 2, 12 } },        -- integer parameter: whole days
    { "recall_officers", uniform = { 50, 250 } },
  },
  metrics = { "displaced_final", "civilian_deaths_final", "gang_share_population_final", "clashes_all" },
  set = { verbose = false },
}
