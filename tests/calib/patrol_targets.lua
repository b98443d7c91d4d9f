-- patrol_targets.lua: the arrests of tests/calib/patrol.lua over its 100 days.
-- An observation error of sd 0.5 on a count: ABC's final tolerance (1) then
-- accepts exactly the runs with the observed count.
targets {
  { name = "arrests", source = "synthetic",
    statistic = count{ log = "true", kinds = { "arrest" }, from = "2024-01-01", to = "2024-04-10" },
    observed = 40, sd = 0.5 },
}
