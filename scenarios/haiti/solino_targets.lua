-- solino_targets.lua: what was observed in Port-au-Prince from 10 Oct to 9 Dec 2024, as
-- targets for solino.lua (`conflictsim validate scenarios/haiti/solino.lua` reads this file,
-- NAME_targets.lua beside the scenario NAME.lua; the language: scenarios/README.md,
-- "Targets files"). The rows are those of targets.lua (capital.lua's) that fall inside this
-- scenario's 60 days; the rules and the errors are the same (see targets.lua).
--
-- Left out, besides the rows targets.lua leaves out and every row outside 10 Oct - 9 Dec
-- 2024: gang control on 21 and 29 Oct 2024 (solino.lua starts from the Oct 2024
-- controllers, so control in October is its input); the killings of Q4 2024 and the 4,500
-- displaced in 48 hours by 10 Dec 2024 (their windows end after the run). No row of 2025
-- falls inside the run, so there is nothing held out.

local function factor(x, f) return { x / f, x * f } end

targets {
  { name = "fled_solino_tabarre27_oct_17_20",
    source = "observed.csv displaced_event 2024-10-21 (solino): more than 4,200, IOM cited by AP",
    statistic = fled { nodes = { "solino", "tabarre_27" }, from = "2024-10-17", to = "2024-10-21" },
    observed = 4200, interval = factor(4200, 1.5) },
  { name = "fled_solino_oct_17_23",
    source = "observed.csv displaced_event 2024-10-23 (solino): 8,361, IOM via Juno7",
    statistic = fled { nodes = { "solino" }, from = "2024-10-17", to = "2024-10-24" },
    observed = 8361, interval = factor(8361, 1.5) },
  { name = "fled_tabarre27_oct_17_23",
    source = "observed.csv displaced_event 2024-10-23 (tabarre_27): 1,695, IOM via Juno7",
    statistic = fled { nodes = { "tabarre_27" }, from = "2024-10-17", to = "2024-10-24" },
    observed = 1695, interval = factor(1695, 1.5) },
  { name = "fled_capital_nov_11_20_2024",
    source = "observed.csv displaced_event 2024-11-20 (metro): 40,965, IOM, 25 Nov 2024",
    statistic = fled { from = "2024-11-11", to = "2024-11-21" },
    observed = 40965, interval = factor(40965, 1.5) },
}
