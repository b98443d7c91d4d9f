#!/usr/bin/env bash
# tests/slurm/cluster.sh: a one-node Slurm on localhost for the length of one
# command.
#
#   bash tests/slurm/cluster.sh COMMAND [ARG]...
#
# Starts munged, slurmctld and slurmd (Debian 12: slurm-wlm and munge, which
# .ci/deps installs) with everything under a new temporary directory: a fresh
# munge key, slurm.conf, the state and spool directories, the daemons' logs.
# Then runs COMMAND with SLURM_CONF pointing at that slurm.conf (so sbatch,
# srun, squeue, scancel and scontrol talk to this cluster and no other), and
# stops the daemons whatever happens: COMMAND failing, a daemon failing to
# start, SIGINT, SIGTERM or SIGHUP. The exit status is COMMAND's, or 1 if
# the cluster did not come up.
#
# The cluster: one node (this machine, all its CPUs, addressed as 127.0.0.1),
# one partition, proctrack/linuxproc and task/none (no cgroups), no
# accounting, jobs run as root (slurmd and slurmctld run as root, and
# DisableRootJobs=NO), MaxArraySize=4 (array indices 0 to 3, so that a
# test can split a sweep into more shards than an array may have). The ports are free ones chosen at start, so a Slurm
# already running on the machine is left alone. Needs root.
#
# SLURM_TEST_KEEP=1 keeps the temporary directory (logs, slurm.conf) and
# prints its name; by default it is removed unless the cluster failed to
# start, when the daemons' logs are printed.
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: bash tests/slurm/cluster.sh COMMAND [ARG]..." >&2
  exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "cluster.sh: needs root (slurmd runs the jobs as their user, here root)" >&2
  exit 1
fi
for b in munged mungekey slurmctld slurmd sbatch srun scontrol; do
  command -v "$b" >/dev/null || { echo "cluster.sh: $b not found (bash .ci/deps installs slurm-wlm and munge)" >&2; exit 1; }
done

D=$(mktemp -d /tmp/cs-slurm.XXXXXX)
chmod 711 "$D"  # munged: the socket's directory must be searchable
MUNGED_PID="" CTLD_PID="" SLURMD_PID="" CMD_PID="" UP=0

show_logs() {
  local f
  for f in "$D"/munged.out "$D"/munged.log "$D"/slurmctld.out "$D"/slurmctld.log "$D"/slurmd.out "$D"/slurmd.log; do
    [ -s "$f" ] || continue
    echo "--- $f (last 30 lines)" >&2
    tail -n 30 "$f" >&2
  done
}

# stop_pid PID NAME: SIGTERM, then SIGKILL after 10 s; waits for it to go.
stop_pid() {
  local pid=$1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "cluster.sh: $2 (pid $pid) did not stop on SIGTERM; SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

# Cancel what is left of the jobs (their slurmstepd end with them), then stop
# the daemons in reverse order of their start.
stop_all() {
  local rc=$?
  trap - EXIT INT TERM HUP
  stop_pid "$CMD_PID" command
  if [ -n "$CTLD_PID" ] && kill -0 "$CTLD_PID" 2>/dev/null && [ -n "$SLURMD_PID" ]; then
    scancel --full --quiet --user=root 2>/dev/null || true
    for _ in $(seq 100); do
      [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
      sleep 0.1
    done
  fi
  stop_pid "$SLURMD_PID" slurmd
  # slurmstepd of a job slurmd has lost: end them through their own process ids
  local p
  for p in $(pgrep -x slurmstepd 2>/dev/null || true); do
    if grep -qs "SLURM_CONF=$D/slurm.conf" "/proc/$p/environ"; then kill -KILL "$p" 2>/dev/null || true; fi
  done
  stop_pid "$CTLD_PID" slurmctld
  stop_pid "$MUNGED_PID" munged
  if [ "$UP" -ne 1 ]; then
    show_logs
    rc=1
  fi
  if [ "${SLURM_TEST_KEEP:-0}" = 1 ] || [ "$UP" -ne 1 ]; then
    echo "cluster.sh: logs and slurm.conf kept in $D" >&2
  else
    rm -rf "$D"
  fi
  exit "$rc"
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# Two free TCP ports (bound then released; the daemons bind them next).
read -r CTLD_PORT SLURMD_PORT < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')

HOST=$(hostname -s)
NCPU=$(nproc)
mkdir -p "$D/state" "$D/spool"

# munge: its own key and socket. munged refuses root without --force.
mungekey --create --keyfile="$D/munge.key" >/dev/null
chmod 600 "$D/munge.key"
munged --foreground --force --key-file="$D/munge.key" --socket="$D/munge.sock" \
  --pid-file="$D/munged.pid" --log-file="$D/munged.log" --seed-file="$D/munged.seed" >"$D/munged.out" 2>&1 &
MUNGED_PID=$!

cat >"$D/slurm.conf" <<EOF
# written by tests/slurm/cluster.sh
ClusterName=conflictsim-ci
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
DisableRootJobs=NO
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$D/munge.sock
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/slurmctld.pid
SlurmdPidFile=$D/slurmd.pid
SlurmctldLogFile=$D/slurmctld.log
SlurmdLogFile=$D/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
ReturnToService=2
KillWait=5
MaxArraySize=4
MinJobAge=300
InactiveLimit=0
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$NCPU State=UNKNOWN
PartitionName=ci Nodes=$HOST Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
export SLURM_CONF=$D/slurm.conf

for _ in $(seq 50); do
  [ -S "$D/munge.sock" ] && break
  kill -0 "$MUNGED_PID" 2>/dev/null || { echo "cluster.sh: munged exited" >&2; exit 1; }
  sleep 0.1
done
slurmctld -D -f "$SLURM_CONF" >>"$D/slurmctld.out" 2>&1 &
CTLD_PID=$!
slurmd -D -f "$SLURM_CONF" -N "$HOST" >>"$D/slurmd.out" 2>&1 &
SLURMD_PID=$!

# Up when the node is idle (slurmd registered with slurmctld).
state=""
for _ in $(seq 300); do
  kill -0 "$CTLD_PID" 2>/dev/null || { echo "cluster.sh: slurmctld exited" >&2; cat "$D/slurmctld.out" >&2; exit 1; }
  kill -0 "$SLURMD_PID" 2>/dev/null || { echo "cluster.sh: slurmd exited" >&2; cat "$D/slurmd.out" >&2; exit 1; }
  state=$(sinfo -h -n "$HOST" -o %T 2>/dev/null || true)
  [ "$state" = idle ] && break
  sleep 0.1
done
if [ "$state" != idle ]; then
  echo "cluster.sh: node $HOST is '${state:-unknown}', not idle, after 30 s" >&2
  exit 1
fi
UP=1
echo "cluster.sh: Slurm up on $HOST ($NCPU CPUs; slurmctld port $CTLD_PORT, slurmd port $SLURMD_PORT; SLURM_CONF=$SLURM_CONF)"
# In the background, so that a signal to this script is handled at once.
"$@" &
CMD_PID=$!
set +e
wait "$CMD_PID"
rc=$?
CMD_PID=""
exit "$rc"
