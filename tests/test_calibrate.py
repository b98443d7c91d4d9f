#!/usr/bin/python3
"""test_calibrate.py: `conflictsim calibrate`, the calibration file, and what
reads it (compare --posterior, output/plot_calibration.py).

    /usr/bin/python3 tests/test_calibrate.py <conflictsim> <source dir>

(a) the town of tests/calib/patrol.lua does what the known-posterior case needs:
    at each design point of wave 1, the arrests of the replicates are Poisson with
    mean patrol_rate x 100 days (a chi-square dispersion test over the points);
(b) a known posterior: arrests ~ Poisson(100 theta), theta ~ U(0.1, 1), y observed,
    so the posterior is Gamma(y + 1, 100) truncated to the prior's range. ABC-SMC's
    weighted mean and variance must fall within 4 standard errors of the exact ones,
    the standard errors from the effective sample size;
(c) the file does not depend on -j (the same bytes for -j 1 and -j 2);
(d) a calibration killed mid-way and started again gives the same bytes as one
    that was never killed, and reads back the runs it had (nothing lost or run twice);
(e) held-out targets are never read: changing a held-out entry's values (or making
    them nonsense) leaves the file byte-identical;
(f) bad input: a prior outside the parameter's declared range, a targets file with a
    Lua error, a target naming a node the scenario lacks, and an empty
    non-implausible region each exit non-zero with a message naming the file and the
    field, leave an earlier file at the output path untouched, and leave no
    temporary file;
(g) compare --posterior runs each replicate under a posterior draw and records it;
    the figures of plot_calibration.py render;
(h) output/slim_calibration.py leaves out the waves' datasets but their boxes
    (with --keep-waves, only their outputs) and nothing else (every other dataset's
    values and type, the attributes with their types, the dimension scales,
    /posterior's hard link), a run under the slim posterior is the same run (its
    events and parameters), plot_calibration.py draws it, and a bad input (one that
    fails during the copy among them) exits 2 leaving an earlier file at the output
    path untouched and no temporary file.
"""
import hashlib
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

EXE, SRC = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
CAL = os.path.join(SRC, "tests/calib")
PATROL = os.path.join(CAL, "patrol.lua")
PLOT = os.path.join(SRC, "output/plot_calibration.py")
DAYS = 100.0
failures = []


def check(cond, msg):
    print(("ok   " if cond else "FAIL ") + msg, flush=True)
    if not cond:
        failures.append(msg)


def run(args, **kw):
    return subprocess.run([EXE] + args, capture_output=True, text=True, **kw)


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


TARGETS = """targets {
  { name = "arrests", source = "synthetic",
    statistic = count{ log = "true", kinds = { "arrest" }, from = "2024-01-01", to = "2024-04-10" },
    observed = %d, sd = 0.5 },
%s}
"""
PRIORS = "priors { patrol_rate = uniform(0.1, 1.0) }\n"


def calibrate(tmp, out, y=40, extra="", args=(), priors=PRIORS):
    t = write(os.path.join(tmp, "targets.lua"), TARGETS % (y, extra))
    p = write(os.path.join(tmp, "priors.lua"), priors)
    return run(["calibrate", PATROL, "--targets", t, "--priors", p, "-o", out, "--quiet"] + list(args))


def exact_posterior(y, lo=0.1, hi=1.0):
    th = np.linspace(lo, hi, 200001)
    logp = y * np.log(DAYS * th) - DAYS * th
    p = np.exp(logp - logp.max())
    p /= np.trapz(p, th)
    m = np.trapz(th * p, th)
    v = np.trapz((th - m) ** 2 * p, th)
    return m, v


def test_poisson_town(tmp):
    out = os.path.join(tmp, "waves.h5")
    p = calibrate(tmp, out, args=["--waves", "1", "--points", "40", "--replicates", "8", "--particles", "0", "-j", "2"])
    check(p.returncode == 0, "a history-matching-only calibration runs: " + p.stderr.strip()[-300:])
    if p.returncode:
        return
    with h5py.File(out) as f:
        th = f["history_matching/wave_1/theta"][:, 0]
        s = f["history_matching/wave_1/outputs"][:, :, 0]
    mu = DAYS * th
    # Pearson dispersion: sum over points and replicates of (s - mu)^2 / mu is
    # chi-square with points x replicates degrees of freedom under Poisson(mu)
    chi2 = float(np.sum((s - mu[:, None]) ** 2 / mu[:, None]))
    n = s.size
    check(abs(chi2 - n) < 4 * math.sqrt(2 * n),
          f"arrests are Poisson(patrol_rate x 100) at every design point: chi2 {chi2:.0f} on {n} df")


def test_known_posterior(tmp):
    y = 40
    out = os.path.join(tmp, "known.h5")
    p = calibrate(tmp, out, y, args=["--waves", "0", "--particles", "400", "--batch", "100", "-j", "2"])
    check(p.returncode == 0, "the known-posterior calibration runs: " + p.stderr.strip()[-300:])
    if p.returncode:
        return
    with h5py.File(out) as f:
        th, w = f["posterior/theta"][:, 0], f["posterior/weight"][:]
        eps = f["posterior"].attrs["epsilon"]
        d = f["posterior/distance"][:]
        s = f["posterior/outputs"][:, 0]
    check(eps == 1.0 and np.all(d <= 1.0) and np.all(s == y),
          f"the last population is at eps_final = 1: every accepted run has exactly {y} arrests")
    m, v = exact_posterior(y)
    mh = float(w @ th)
    vh = float(w @ (th - mh) ** 2)
    ess = 1.0 / float(w @ w)
    se_m = math.sqrt(v / ess)
    check(abs(mh - m) < 4 * se_m,
          f"posterior mean {mh:.4f} vs exact {m:.4f} (4 SE = {4 * se_m:.4f}, ESS {ess:.0f})")
    tol_v = 4 * math.sqrt(2.0 / ess)
    check(abs(vh / v - 1) < tol_v, f"posterior variance {vh:.3g} vs exact {v:.3g} (relative tolerance {tol_v:.2f})")


def test_points_first(tmp):
    """--points-first sizes wave 1 alone; the later waves keep --points; the file and the
    calibration's identity (inputs_sha256, the journal's key) record it; below 2 it is refused."""
    base = ["--waves", "2", "--points", "12", "--replicates", "3", "--particles", "0", "-j", "2"]
    a, b = os.path.join(tmp, "pf.h5"), os.path.join(tmp, "pf0.h5")
    p = calibrate(tmp, a, args=base + ["--points-first", "36"])
    check(p.returncode == 0, "a calibration with --points-first runs: " + p.stderr.strip()[-300:])
    q = calibrate(tmp, b, args=base)
    check(q.returncode == 0, "the same without --points-first runs: " + q.stderr.strip()[-300:])
    if p.returncode or q.returncode:
        return
    with h5py.File(a) as f, h5py.File(b) as g:
        n1, n2 = (f[f"history_matching/wave_{k}/theta"].shape[0] for k in (1, 2))
        check((n1, n2) == (36, 12), f"wave 1 has 36 points and wave 2 has 12 (got {n1}, {n2})")
        check(int(f.attrs["points_first"]) == 36 and int(f.attrs["points"]) == 12,
              "the file records points_first 36 and points 12")
        check(int(g.attrs["points_first"]) == 12, "without the option, points_first is points")
        check(f.attrs["inputs_sha256"] != g.attrs["inputs_sha256"],
              "--points-first changes the calibration's identity (its journal is not another's)")
    r = calibrate(tmp, os.path.join(tmp, "pf1.h5"), args=base + ["--points-first", "1"])
    check(r.returncode == 2 and "--points-first" in r.stderr, "--points-first 1 is refused, naming the option")


def test_report_warnings(tmp):
    """The summary warns when the later waves grew from fewer than 10 non-implausible
    points of wave 1, when the last population's effective sample size is below a
    quarter of its particles, and when the posterior presses on an edge of the box ABC
    sampled; and only then (the rules read back from its own tables and file)."""
    cases = [("few", ["--waves", "2", "--points", "12", "--replicates", "3", "--particles", "30",
                      "--batch", "30", "--max-populations", "3", "-j", "2"], 46),
             ("many", ["--waves", "2", "--points", "40", "--replicates", "3", "--particles", "60",
                       "--batch", "60", "--max-populations", "2", "-j", "2"], 40),
             # ABC stopped at population 0, the prior truncated to the box: flat to its edges;
             # with a log-uniform parameter the arrests do not depend on (flat in log units)
             ("flat", ["--waves", "2", "--points", "12", "--replicates", "3", "--particles", "200",
                       "--batch", "200", "--max-populations", "1", "-j", "2"], 40,
              "priors { patrol_rate = uniform(0.1, 1.0), tau_D = loguniform(1, 30) }\n")]
    for name, args, y, *pri in cases:
        p = calibrate(tmp, os.path.join(tmp, f"warn_{name}.h5"), y, args=args, priors=pri[0] if pri else PRIORS)
        check(p.returncode == 0, f"calibration '{name}' runs: " + p.stderr.strip()[-300:])
        if p.returncode:
            continue
        hm, _, abc = p.stdout.partition("ABC-SMC")
        waves = re.findall(r"^  (\d+) +(\d+) +(\d+) +([\d.]+)% ", hm, re.M)
        pops = re.findall(r"^  (\d+) +(\S+) +(\d+) +([\d.]+)% +(\S+)$", abc, re.M)
        check(len(waves) == 2 and len(pops) >= 1, f"'{name}': the summary has its wave and population tables")
        if len(waves) != 2 or not pops:
            continue
        seeds = round(float(waves[0][3]) / 100 * int(waves[0][1]))
        ess = float(pops[-1][4].replace(",", ""))
        particles = int(args[args.index("--particles") + 1])
        check(("grew from" in p.stdout) == (0 < seeds < 10),
              f"'{name}': warned about wave 1's {seeds} non-implausible points iff fewer than 10")
        check(("effective sample size is" in p.stdout) == (ess < 0.25 * particles),
              f"'{name}': warned about ESS {ess:g} of {particles} iff below a quarter")
        # the box ABC sampled is in the file, holds population 0, and the warning about
        # edges the posterior presses on names exactly the parameters whose last
        # population holds at least 2.5% of its weight within 5% of the box's width of
        # an edge that lies inside the prior (computed here in the prior's unit space)
        with h5py.File(os.path.join(tmp, f"warn_{name}.h5")) as f:
            names = list(f["parameter"].asstr()[:])
            kinds = list(f["prior"].asstr()[:])
            plo, phi = f["prior_low"][:], f["prior_high"][:]
            blo, bhi = f["abc/box_low"][:], f["abc/box_high"][:]
            t0 = f["abc/population_0/theta"][:]
            th, w = f["posterior/theta"][:], f["posterior/weight"][:]
        check(blo.shape == (len(names),) and np.all(plo <= blo) and np.all(blo < bhi)
              and np.all(bhi <= phi * (1 + 1e-12)),
              f"'{name}': /abc/box_low and box_high lie in the prior, one entry per parameter")
        check(np.all((t0 >= blo - 1e-9 * abs(blo)) & (t0 <= bhi + 1e-9 * abs(bhi))),
              f"'{name}': population 0 lies in the box ABC sampled")
        unit = lambda x, k: (np.log(x / plo[k]) / np.log(phi[k] / plo[k]) if kinds[k] == "loguniform"
                             else (x - plo[k]) / (phi[k] - plo[k]))
        want = []
        for k, n in enumerate(names):
            lo, hi, u = unit(blo[k], k), unit(bhi[k], k), unit(th[:, k], k)
            band = 0.05 * (hi - lo)
            low = lo > 1e-12 and w[u <= lo + band].sum() >= 0.025
            high = hi < 1 - 1e-12 and w[u >= hi - band].sum() >= 0.025
            if low or high:
                want.append(f"{n} ({'low and high' if low and high else 'low' if low else 'high'} edge")
        got = re.findall(r"^    (\S+ \((?:low and high|low|high) edge)s?\)$", p.stdout, re.M)
        check(got == want and (("presses on an edge" in p.stdout) == bool(want)),
              f"'{name}': the pressed edges reported {got} are those of the file {want}")
        if name == "flat":
            check(len(names) == 2 and bool(want), "'flat': a population flat to the box's edges inside the "
                  "prior presses on them (two parameters, one log-uniform)")


def live_in_group(pgid):
    """Whether a process of group pgid is still alive (a zombie has closed its files)."""
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                return True
    return False


def test_jobs_and_resume(tmp):
    args = ["--waves", "2", "--points", "24", "--replicates", "3", "--max-replicates", "6",
            "--particles", "60", "--batch", "30", "--max-populations", "4"]
    a, b = os.path.join(tmp, "j1.h5"), os.path.join(tmp, "j2.h5")
    p1 = calibrate(tmp, a, args=args + ["-j", "1"])
    p2 = calibrate(tmp, b, args=args + ["-j", "2"])
    check(p1.returncode == 0 and p2.returncode == 0, "calibrations with -j 1 and -j 2 run")
    if p1.returncode or p2.returncode:
        return
    check(sha(a) == sha(b), "the calibration file is the same bytes for -j 1 and -j 2")
    check(not os.path.exists(a + ".journal"), "the journal is removed when the calibration has finished")
    # kill a slower copy once its journal holds some runs, then resume
    c = os.path.join(tmp, "killed.h5")
    t = write(os.path.join(tmp, "targets.lua"), TARGETS % (40, ""))
    pr = write(os.path.join(tmp, "priors.lua"), PRIORS)
    cmd = [EXE, "calibrate", PATROL, "--targets", t, "--priors", pr, "-o", c, "--quiet", "-j", "1"] + args
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None:
        if os.path.exists(c + ".journal") and os.path.getsize(c + ".journal") > 4096:
            break
        time.sleep(0.005)
    killed = proc.poll() is None
    if killed:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    # the workers it forked share the journal's lock until they are gone too (killed with the
    # group, but not waited for by proc.wait()): resuming before that is refused, rightly
    deadline = time.time() + 30
    while time.time() < deadline and live_in_group(proc.pid):
        time.sleep(0.01)
    check(killed, "the calibration was killed mid-way (it had not finished)")
    check(not os.path.exists(c), "a killed calibration leaves nothing at the output path")
    p = subprocess.run([x for x in cmd if x != "--quiet"], capture_output=True, text=True)
    check(p.returncode == 0, "the killed calibration resumes" + ("" if p.returncode == 0 else ": " + p.stderr.strip()[-300:]))
    if p.returncode == 0:
        check(sha(c) == sha(a), "the resumed calibration's file is the same bytes as an uninterrupted one")
        line = p.stdout.splitlines()[0] if p.stdout else ""
        check("from the journal" in line and "(0 from the journal)" not in line,
              "the resumed calibration read runs back from the journal: " + line)
        with h5py.File(a) as f:
            total = int(f.attrs["runs"])
        check(f"{total} runs" in line, f"the same number of runs in all ({total}): nothing lost or run twice")


def test_mpi(tmp):
    ver = run(["--version"]).stdout
    if "MPI: built in" not in ver:
        print("skip mpirun: this conflictsim was built without MPI")
        return
    mpirun = shutil.which("mpirun")
    check(mpirun is not None, "the build has MPI and mpirun is on PATH")
    if not mpirun:
        return
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_rmaps_base_oversubscribe="1")
    # The sanitizer build: Open MPI leaves blocks behind at MPI_Finalize by design,
    # and LeakSanitizer's fast unwinder cannot walk its frames. As in
    # test_sweep_mpi.py, the run with 2 ranks checks leaks with full stacks and Open
    # MPI's own blocks suppressed (tests/lsan_openmpi.supp); the others skip it.
    leak_env = dict(env, OMPI_MCA_mca_base_component_disable_dlclose="1")
    leak_env["LSAN_OPTIONS"] = ":".join(filter(None, [os.environ.get("LSAN_OPTIONS"), "suppressions=" +
                                                       os.path.join(SRC, "tests/lsan_openmpi.supp")]))
    leak_env["ASAN_OPTIONS"] = ":".join(filter(None, [os.environ.get("ASAN_OPTIONS"), "fast_unwind_on_malloc=0"]))
    env["ASAN_OPTIONS"] = ":".join(filter(None, [os.environ.get("ASAN_OPTIONS"), "detect_leaks=0"]))
    args = ["--waves", "2", "--points", "24", "--replicates", "3", "--max-replicates", "6",
            "--particles", "60", "--batch", "30", "--max-populations", "4"]
    ref = os.path.join(tmp, "j1.h5")
    if not os.path.exists(ref):
        calibrate(tmp, ref, args=args + ["-j", "1"])
    t = write(os.path.join(tmp, "targets.lua"), TARGETS % (40, ""))
    pr = write(os.path.join(tmp, "priors.lua"), PRIORS)
    for n in (2, 3):
        out = os.path.join(tmp, f"mpi{n}.h5")
        p = subprocess.run([mpirun, "-n", str(n), EXE, "calibrate", PATROL, "--targets", t, "--priors", pr, "-o", out,
                            "--quiet"] + args, capture_output=True, text=True, env=leak_env if n == 2 else env,
                           timeout=300)
        check(p.returncode == 0 and os.path.exists(out) and sha(out) == sha(ref),
              f"mpirun -n {n} writes the same bytes as -j 1" + ("" if p.returncode == 0 else ": " + p.stderr[-300:]))
    bad = write(os.path.join(tmp, "badprior.lua"), "priors { phi = uniform(0.5, 2) }\n")
    p = subprocess.run([mpirun, "-n", "2", EXE, "calibrate", PATROL, "--targets", t, "--priors", bad, "-o",
                        os.path.join(tmp, "mpibad.h5"), "--quiet"], capture_output=True, text=True, env=env, timeout=300)
    check(p.returncode != 0 and "phi" in p.stderr and not os.path.exists(os.path.join(tmp, "mpibad.h5")),
          "under mpirun a bad priors file fails on every rank with its message, nothing written")


def test_holdout_unread(tmp):
    args = ["--waves", "1", "--points", "16", "--replicates", "2", "--particles", "40", "--batch", "20",
            "--max-populations", "3", "-j", "2"]
    held = """  { name = "later", holdout = true, source = "the future",
    statistic = count{ log = "true", kinds = { "arrest" }, from = "2024-03-01", to = "2024-04-10" },
    observed = %s, sd = %s },
"""
    a, b, c = (os.path.join(tmp, n) for n in ("h1.h5", "h2.h5", "h3.h5"))
    p1 = calibrate(tmp, a, extra=held % ("15", "2"), args=args)
    p2 = calibrate(tmp, b, extra=held % ("90000", "1e-9"), args=args)
    # nonsense in every field but the flag: never read, so never an error
    nonsense = '  { holdout = true, name = 42, statistic = "nothing", observed = {}, sd = -1, interval = "x" },\n'
    p3 = calibrate(tmp, c, extra=nonsense, args=args)
    check(p1.returncode == 0 and p2.returncode == 0 and p3.returncode == 0,
          "calibrations with held-out entries run: " + (p1.stderr + p2.stderr + p3.stderr).strip()[-300:])
    if p1.returncode or p2.returncode or p3.returncode:
        return
    with h5py.File(a) as f1, h5py.File(b) as f2:
        same = all(np.array_equal(f1[k][...], f2[k][...], equal_nan=True)
                   for k in ("posterior/theta", "posterior/weight", "history_matching/wave_1/outputs"))
        tg = [x.decode() for x in f1["target"][:]]
    check(same, "changing a held-out target's observation changes nothing the calibration computed")
    check(tg == ["arrests"], "the file lists only the in-sample target")
    with h5py.File(c) as f3, h5py.File(a) as f1:
        check(np.array_equal(f3["posterior/theta"][...], f1["posterior/theta"][...]),
              "a held-out entry whose every field is nonsense is not read at all")


def test_bad_input(tmp):
    out = os.path.join(tmp, "earlier.h5")
    with open(out, "wb") as f:
        f.write(b"an earlier result\n")
    before = sha(out)

    def refused(p, what, *words):
        ok = p.returncode not in (0, None) and all(w in p.stderr for w in words)
        check(ok, f"{what}: exit {p.returncode}, message names {words}: {p.stderr.strip()[-240:]}")
        check(sha(out) == before, f"{what}: the earlier file at the output path survives")
        left = [n for n in os.listdir(tmp) if n.startswith("earlier.h5.")]
        check(not [n for n in left if ".tmp." in n], f"{what}: no temporary file is left: {left}")
        for n in left:
            os.unlink(os.path.join(tmp, n))

    refused(calibrate(tmp, out, priors="priors { phi = uniform(0.5, 2) }\n"),
            "a prior outside the declared range", "priors.lua", "phi")
    refused(calibrate(tmp, out, priors="priors { no_such_parameter = uniform(0, 1) }\n"),
            "a prior of a parameter the scenario lacks", "priors.lua", "no_such_parameter")
    t = write(os.path.join(tmp, "broken.lua"), "targets { { name = 'x', statistic = count{ kinds = {'arrest'} }\n")
    p = write(os.path.join(tmp, "priors.lua"), PRIORS)
    refused(run(["calibrate", PATROL, "--targets", t, "--priors", p, "-o", out, "--quiet"]),
            "a targets file with a Lua error", "broken.lua")
    t = write(os.path.join(tmp, "nonode.lua"), """targets {
  { name = "fled_nowhere", statistic = fled{ nodes = { "atlantis" }, from = "2024-01-01", to = "2024-02-01" },
    observed = 10, sd = 1 },
}
""")
    refused(run(["calibrate", PATROL, "--targets", t, "--priors", p, "-o", out, "--quiet"]),
            "a target naming a node the scenario lacks", "nonode.lua", "fled_nowhere", "atlantis")
    # one of two srun tasks without MPI (srun --mpi=none): every task would be
    # rank 0; refused before anything is written, the journal included
    env = dict(os.environ, SLURM_STEP_NUM_TASKS="2", SLURM_PROCID="1")
    p = run(["calibrate", PATROL, "--targets", t, "--priors", p, "-o", out, "--quiet"], env=env)
    check(p.returncode == 2, f"srun tasks without MPI: exit {p.returncode} (2 expected)")
    check(not [n for n in os.listdir(tmp) if n.startswith("earlier.h5.")], "srun tasks without MPI: nothing written")
    refused(p, "srun tasks without MPI", "task 1 of 2", "srun --mpi=pmix")
    p = calibrate(tmp, out, y=100000, args=["--waves", "1", "--points", "8", "--replicates", "2"])
    refused(p, "an empty non-implausible region", "implausib")
    check("never met by a point of wave 1: arrests" in p.stdout and "nothing written" in p.stdout,
          "an empty non-implausible region still reports which targets no point met")


def test_posterior_readers(tmp):
    cal = os.path.join(tmp, "known.h5")
    if not os.path.exists(cal):
        check(False, "compare --posterior: no calibration file to read")
        return
    pre = os.path.join(tmp, "cmp")
    p = run(["compare", "--baseline", PATROL, "--variant", "fewer:patrol_rate=0.05", "--replicates", "6",
             "--posterior", cal, "-o", pre, "--quiet", "-j", "2"])
    check(p.returncode == 0, "compare --posterior runs: " + p.stderr.strip()[-300:])
    if p.returncode == 0:
        with h5py.File(pre + ".h5") as f:
            part = f["posterior_particle"][:]
            ok = f.attrs["posterior_sha256"] == sha(cal) and len(part) == 6
        check(ok, "compare's report records the posterior file's SHA-256 and each replicate's particle")
        p2 = run(["compare", "--baseline", PATROL, "--variant", "fewer:patrol_rate=0.05", "--replicates", "6",
                  "--posterior", cal, "-o", pre + "1", "--quiet", "-j", "1"])
        check(p2.returncode == 0 and sha(pre + ".h5") == sha(pre + "1.h5"),
              "compare --posterior gives the same bytes for -j 1 and -j 2")
        # run --posterior --draws 6 --replicate r: the parameters of compare's replicate r
        with h5py.File(cal) as f:
            names = [n.decode() if isinstance(n, bytes) else str(n) for n in f["parameter"][:]]
            theta = f["posterior/theta"][:]
        for r in (0, 5):
            rf = os.path.join(tmp, f"post-r{r}.h5")
            p3 = run(["run", PATROL, "--posterior", cal, "--draws", "6", "--replicate", str(r), "-o", rf, "--quiet"])
            same = False
            if p3.returncode == 0:
                with h5py.File(rf) as f:
                    got = [float(f["parameters"].attrs[n]) for n in names]
                same = got == [float(v) for v in theta[part[r]]]
            check(same, f"run --posterior --draws 6 --replicate {r} uses the parameters of compare's replicate {r} "
                  f"(particle {part[r]}): " + p3.stderr.strip()[-300:])
        p3 = run(["run", PATROL, "--posterior", cal, "--draws", "6", "--replicate", "6", "-o",
                  os.path.join(tmp, "post-bad.h5"), "--quiet"])
        check(p3.returncode == 2 and "--draws" in p3.stderr and not os.path.exists(os.path.join(tmp, "post-bad.h5")),
              "run --posterior refuses a replicate beyond --draws, naming it, and writes nothing")
        p3 = run(["run", PATROL, "--draws", "6", "-o", os.path.join(tmp, "post-bad.h5"), "--quiet"])
        check(p3.returncode == 2 and "--posterior" in p3.stderr, "run --draws without --posterior is a usage error")
        gone = os.path.join(tmp, "no-such-cal.h5")
        for cmd in (["run", PATROL, "-o", os.path.join(tmp, "post-bad.h5")],
                    ["validate", PATROL, "--replicates", "2", "-o", os.path.join(tmp, "post-bad.csv")]):
            p3 = run(cmd + ["--posterior", gone, "--quiet"])
            check(p3.returncode == 3 and "no-such-cal.h5" in p3.stderr,
                  f"{cmd[0]} --posterior with a missing file: exit 3 (bad input), naming it (got {p3.returncode})")
    bad = run(["compare", "--baseline", PATROL, "--variant", "patrol_rate=0.05", "--replicates", "4",
               "--posterior", PATROL, "-o", pre + "x", "--quiet"])
    check(bad.returncode != 0 and "posterior" in bad.stderr, "compare --posterior refuses a file that is not one")
    # validate --posterior: the predictive interval per target, in-sample and held out
    held = """  { name = "later", holdout = true, source = "the future",
    statistic = count{ log = "true", kinds = { "arrest" }, from = "2024-03-01", to = "2024-04-10" },
    observed = 16, sd = 1 },
"""
    t = write(os.path.join(tmp, "vtargets.lua"), TARGETS % (40, held))
    csvs = []
    for j in ("1", "2"):
        out = os.path.join(tmp, f"val{j}.csv")
        p = run(["validate", PATROL, "--targets", t, "--posterior", cal, "--replicates", "30", "-o", out,
                 "--quiet", "-j", j])
        check(p.returncode in (0, 7) and os.path.exists(out),
              f"validate --posterior runs (-j {j})" + ("" if p.returncode in (0, 7) else ": " + p.stderr[-300:]))
        csvs.append(out)
    if all(map(os.path.exists, csvs)):
        check(sha(csvs[0]) == sha(csvs[1]), "validate --posterior's table is the same for -j 1 and -j 2")
        import csv as csvmod
        with open(csvs[0]) as fh:
            rows = {r["target"]: r for r in csvmod.DictReader(fh)}
        r = rows.get("arrests", {})
        lo, hi = float(r.get("predictive_low", "nan")), float(r.get("predictive_high", "nan"))
        check(lo < 40 < hi and r.get("covered") == "yes",
              f"the posterior predictive 90% interval of the calibrated target covers its observation [{lo}, {hi}]")
        check(rows.get("later", {}).get("holdout") == "1" and rows["later"].get("covered") in ("yes", "no"),
              "validate --posterior reports the held-out target in its own rows, with its coverage")
        # the predictive interval is at least as wide as the runs' own (it adds the observation error)
        check(lo <= float(r["q05"]) + 1e-9 or hi >= float(r["q95"]) - 1e-9,
              "the predictive interval includes the observation error on top of the runs' spread")
    fig = os.path.join(tmp, "fig")
    p = subprocess.run(["/usr/bin/python3", PLOT, cal, "-o", fig, "--predictive", csvs[0]], capture_output=True,
                       text=True)
    ok = p.returncode == 0 and all(os.path.getsize(fig + s) > 1000 for s in ("_posterior.png", "_predictive.png")) \
        if p.returncode == 0 else False
    check(ok, "plot_calibration.py draws the posterior and the predictive intervals: " + p.stderr.strip()[-300:])


def h5_objects(f):
    """Every link of an open HDF5 file: name -> (kind, object)."""
    out = {}

    def walk(g, prefix):
        for k in g:
            o = g[k]
            out[prefix + k] = o
            if isinstance(o, h5py.Group):
                walk(o, prefix + k + "/")
    walk(f, "")
    return out


def same_objects(oa, ob):
    """Every object of ob equals oa's of the same name: values, types, attributes (with their
    types) and dimension scales."""
    def attrs(o):
        return {k: (o.attrs.get_id(k).dtype, o.attrs[k]) for k in o.attrs if k not in ("DIMENSION_LIST", "REFERENCE_LIST")}
    same = True
    for n, o in ob.items():
        x = oa[n]
        if isinstance(o, h5py.Dataset):
            va, vb = x[()], o[()]
            eq = x.dtype == o.dtype and np.array_equal(va, vb, equal_nan=va.dtype.kind == "f")
            dims = [[s.name for s in d.values()] for d in x.dims] == [[s.name for s in d.values()] for d in o.dims]
            same = same and eq and dims
        aa, ab = attrs(x), attrs(o)
        same = same and aa.keys() == ab.keys() and all(aa[k][0] == ab[k][0] and np.array_equal(aa[k][1], ab[k][1])
                                                       for k in aa)
    return same


def test_slim(tmp):
    cal = os.path.join(tmp, "both.h5")  # history matching and ABC
    p = calibrate(tmp, cal, args=["--waves", "2", "--points", "20", "--replicates", "2", "--particles", "30",
                                  "--max-populations", "3", "-j", "2"])
    check(p.returncode == 0, "a calibration with waves and ABC runs: " + p.stderr.strip()[-300:])
    if p.returncode:
        return
    tool = os.path.join(SRC, "output/slim_calibration.py")
    slims = {}
    for opt in ("", "--keep-waves"):
        out = os.path.join(tmp, "slim%s.h5" % opt)
        p = subprocess.run(["/usr/bin/python3", tool] + ([opt] if opt else []) + [cal, out], capture_output=True,
                           text=True)
        check(p.returncode == 0 and os.path.exists(out),
              "slim_calibration.py %s writes the slim copy: %s" % (opt, p.stderr[-300:]))
        if p.returncode:
            return
        slims[opt] = out
    with h5py.File(cal) as a:
        oa = h5_objects(a)
        waves = sorted(n for n, o in oa.items() if n.startswith("history_matching/") and isinstance(o, h5py.Dataset))
        for opt, path in slims.items():
            with h5py.File(path) as b:
                ob = h5_objects(b)
                gone = sorted(set(oa) - set(ob))
                want = [n for n in waves if n.endswith("/outputs")] if opt else \
                    [n for n in waves if not n.endswith(("/box_low", "/box_high"))]
                check(gone == want and len(want) >= 2 and not set(ob) - set(oa),
                      "slim %s lacks %s and nothing else (%d datasets)" % (
                          opt or "(default)", "the waves' outputs" if opt else "the waves' datasets but their boxes",
                          len(gone)))
                check(same_objects(oa, ob) and same_objects({"/": a}, {"/": b}),
                      "every other dataset, attribute (with its type) and dimension scale of slim %s is the "
                      "calibration file's" % (opt or "(default)"))
                last = max((n for n in b["abc"] if n.startswith("population_")), key=lambda n: int(n.split("_")[1]))
                check(b["posterior"] == b["abc/" + last], "the slim copy's /posterior is the same hard link to " + last)
    runs = []
    for c in (cal, slims[""]):
        rf = os.path.join(tmp, "slimrun-%d.h5" % len(runs))
        q = run(["run", PATROL, "--posterior", c, "--draws", "6", "--replicate", "4", "-o", rf, "--quiet", "--events",
                 "all"])
        runs.append(rf if q.returncode == 0 else None)
    if all(runs):
        with h5py.File(runs[0]) as a, h5py.File(runs[1]) as b:
            ok = all(np.array_equal(a["events/" + k][:], b["events/" + k][:], equal_nan=a["events/" + k].dtype.kind == "f")
                     for k in a["events"]) and len(a["events/kind"]) > 0 and \
                dict(a["parameters"].attrs) == dict(b["parameters"].attrs)
        check(ok, "a run under the slim posterior is the same run (its events and parameters)")
    else:
        check(False, "run --posterior reads the slim copy")
    fig = os.path.join(tmp, "slimfig")
    p = subprocess.run(["/usr/bin/python3", PLOT, slims[""], "-o", fig], capture_output=True, text=True)
    check(p.returncode == 0 and os.path.getsize(fig + "_waves.png") > 1000,
          "plot_calibration.py draws the slim copy's figures: " + p.stderr.strip()[-300:])
    # a calibration file with a dangling link fails during the copy: the clean-up path
    dangling = os.path.join(tmp, "dangling.h5")
    shutil.copy(cal, dangling)
    with h5py.File(dangling, "a") as f:
        f["abc/nowhere"] = h5py.SoftLink("/no/such/object")
    keep = write(os.path.join(tmp, "keep.h5"), "an earlier result")
    for bad in (PATROL, os.path.join(tmp, "no-such.h5"), runs[0] or PATROL, dangling):
        q = subprocess.run(["/usr/bin/python3", tool, bad, keep], capture_output=True, text=True)
        with open(keep) as fh:
            intact = fh.read() == "an earlier result"
        left = [n for n in os.listdir(tmp) if n.startswith(".slim-")]
        check(q.returncode == 2 and os.path.basename(bad) in q.stderr and intact and not left,
              "slim_calibration.py refuses %s (exit 2, naming it), the earlier file intact, no temporary file"
              % os.path.basename(bad))


def test_calibration_settings(tmp):
    """A calibration's own --set values are part of the model its posterior is for: run,
    validate and compare --posterior apply them (each saying so) under the command line's
    own --set, in every arm of compare; a file without them (an older one) still reads."""
    cal = os.path.join(tmp, "withset.h5")
    # h0: the flight hazard, 0 in patrol.lua; it moves residents and leaves arrests alone
    p = calibrate(tmp, cal, args=["--waves", "0", "--particles", "100", "--batch", "100", "-j", "2",
                                  "--set", "h0=0.002"])
    check(p.returncode == 0, "a calibration with --set h0=0.002 runs: " + p.stderr.strip()[-300:])
    if p.returncode:
        return
    with h5py.File(cal) as f:
        sets = f.attrs["sets"]
    check(sets == "h0=0.002", f"the calibration file records its --set (got {sets!r})")

    def h0_of(path):
        with h5py.File(path) as f:
            return float(f["parameters"].attrs["h0"])
    rf = os.path.join(tmp, "set-run.h5")
    q = run(["run", PATROL, "--posterior", cal, "-o", rf])
    check(q.returncode == 0 and h0_of(rf) == 0.002 and "the calibration's own settings: h0=0.002" in q.stdout,
          "run --posterior applies the calibration's h0=0.002 and says so: " + q.stderr.strip()[-300:])
    q = run(["run", PATROL, "--posterior", cal, "--set", "h0=0", "-o", rf])
    check(q.returncode == 0 and h0_of(rf) == 0.0 and "--set replaces the calibration's own h0=0.002" in q.stdout,
          "run --posterior --set h0=0: the command line wins, and says what it replaced")
    pre = os.path.join(tmp, "set-cmp")
    q = run(["compare", "--baseline", PATROL, "--variant", "fewer:patrol_rate=0.05",
             "--variant", "file:%s,patrol_rate=0.2" % PATROL, "--variant", "still:h0=0",
             "--replicates", "4", "--posterior", cal, "-o", pre, "--quiet", "-j", "2"])
    if q.returncode == 0:
        import json
        with open(pre + ".json") as fh:
            arms = {a["name"]: a["sets"] for a in json.load(fh)["arms"]}
        check("h0=0.002" in arms.get("baseline", "") and "h0=0.002" in arms.get("fewer", "")
              and "h0=0.002" in arms.get("file", "") and "h0=0.002" not in arms.get("still", "x")
              and "h0=0" in arms.get("still", ""),
              f"compare --posterior runs every arm with the calibration's h0=0.002 unless the arm sets h0 ({arms})")
    else:
        check(False, "compare --posterior with a calibration's --set runs: " + q.stderr.strip()[-300:])
    t = write(os.path.join(tmp, "set-targets.lua"), TARGETS % (40, """  { name = "gone", source = "synthetic",
    statistic = value{ var = "city_displaced", date = "2024-04-09" }, observed = 1, interval = { 0, 1e9 } },
"""))
    out = os.path.join(tmp, "set-val.csv")
    q = run(["validate", PATROL, "--targets", t, "--posterior", cal, "--replicates", "4", "-o", out, "-j", "2"])
    if q.returncode in (0, 7) and os.path.exists(out):
        import csv as csvmod
        with open(out) as fh:
            rows = {r["target"]: r for r in csvmod.DictReader(fh)}
        gone = float(rows.get("gone", {}).get("simulated", "nan"))
        check(gone > 0 and "the calibration's own settings: h0=0.002" in q.stdout,
              f"validate --posterior runs under the calibration's h0=0.002 (people displaced {gone}; 0 without it)")
    else:
        check(False, "validate --posterior with a calibration's --set runs: " + q.stderr.strip()[-300:])
    q = run(["validate", PATROL, "--targets", t, "--posterior", cal, "--replicates", "4", "-o", out, "-j", "2",
             "--set", "h0=0"])
    if q.returncode in (0, 7) and os.path.exists(out):
        with open(out) as fh:
            rows = {r["target"]: r for r in csvmod.DictReader(fh)}
        gone = float(rows.get("gone", {}).get("simulated", "nan"))
        check(gone == 0 and "--set replaces the calibration's own h0=0.002" in q.stdout,
              f"validate --posterior --set h0=0: the command line wins over the calibration's (displaced {gone})")
    else:
        check(False, "validate --posterior --set h0=0 runs: " + q.stderr.strip()[-300:])
    # compare says which arms set the calibration's parameter themselves; a file variant's own wins
    q = run(["compare", "--baseline", PATROL, "--variant", "still:h0=0", "--variant",
             "own:%s,h0=0.001" % PATROL, "--replicates", "2", "--posterior", cal, "-o", pre + "m", "-j", "1"])
    if q.returncode == 0:
        import json
        with open(pre + "m.json") as fh:
            arms = {a["name"]: a["sets"] for a in json.load(fh)["arms"]}
        check(arms.get("own") == "h0=0.001" and arms.get("still") == "h0=0" and
              "the calibration's own settings: h0=0.002" in q.stderr and
              "not applied in still (h0=0), own (h0=0.001), which set h0 themselves" in q.stderr,
              f"compare names the arms that set the calibration's parameter themselves ({arms}): {q.stderr[:400]}")
    else:
        check(False, "compare --posterior with arms setting h0 runs: " + q.stderr.strip()[-300:])
    # the attribute's forms: several items (the last of a name wins), a value with a space, not NAME=VALUE
    forms = os.path.join(tmp, "forms.h5")
    shutil.copy(cal, forms)
    with h5py.File(forms, "a") as f:
        f.attrs["sets"] = "h0=0.001 k_arrest=5e8 h0=0.003"
    q = run(["run", PATROL, "--posterior", forms, "-o", rf])
    ok = q.returncode == 0
    if ok:
        with h5py.File(rf) as f:
            ok = float(f["parameters"].attrs["h0"]) == 0.003 and float(f["parameters"].attrs["k_arrest"]) == 5e8
    check(ok, "a sets attribute of several items applies each, the last of a name winning: " + q.stderr[-300:])
    q = run(["compare", "--baseline", PATROL, "--variant", "v:patrol_rate=0.2", "--replicates", "2",
             "--posterior", forms, "-o", pre + "f", "--quiet", "-j", "1"])
    if q.returncode == 0:
        with open(pre + "f.json") as fh:
            base = json.load(fh)["arms"][0]["sets"]
        check("h0=0.003" in base.split(",") and "h0=0.001" not in base.split(","),
              f"compare applies the last of a name the file gives twice ({base})")
    else:
        check(False, "compare --posterior with a sets attribute of several items runs: " + q.stderr[-300:])
    with h5py.File(forms, "a") as f:
        f.attrs["sets"] = "h0=0.002 flight_model=exposure with spaces"
    q = run(["run", PATROL, "--posterior", forms, "-o", os.path.join(tmp, "forms-bad.h5")])
    check(q.returncode == 3 and "exposure with spaces" in q.stderr and not os.path.exists(os.path.join(tmp, "forms-bad.h5")),
          "a value with spaces is read whole (and an invalid one refused, exit 3): " + q.stderr.strip()[-200:])
    with h5py.File(forms, "a") as f:
        f.attrs["sets"] = "not-a-setting"
    q = run(["run", PATROL, "--posterior", forms, "-o", os.path.join(tmp, "forms-bad.h5")])
    check(q.returncode == 3 and "forms.h5" in q.stderr and "sets" in q.stderr,
          "a sets attribute that is not NAME=VALUE items is refused, naming the file (exit 3): " + q.stderr.strip())
    old = os.path.join(tmp, "noset.h5")
    shutil.copy(cal, old)
    with h5py.File(old, "a") as f:
        del f.attrs["sets"]
    q = run(["run", PATROL, "--posterior", old, "-o", rf])
    check(q.returncode == 0 and h0_of(rf) == 0.0 and "own settings" not in q.stdout,
          "a calibration file without a sets attribute (an older one) still reads, with nothing applied")


def main():
    tmp = tempfile.mkdtemp(prefix="cs-calibrate-")
    try:
        test_poisson_town(tmp)
        test_known_posterior(tmp)
        test_jobs_and_resume(tmp)
        test_report_warnings(tmp)
        test_points_first(tmp)
        test_mpi(tmp)
        test_holdout_unread(tmp)
        test_bad_input(tmp)
        test_posterior_readers(tmp)
        test_calibration_settings(tmp)
        test_slim(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print(f"\n{len(failures)} check(s) failed")
        sys.exit(1)
    print("\nall checks passed")


if __name__ == "__main__":
    main()
