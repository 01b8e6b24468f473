#!/usr/bin/env bash
# A working single-node Slurm cluster on this machine, for the tests of `--executor slurm`
# (test/slurm.test.ts). Idempotent: installs Debian's packages when missing, writes a munge key
# and a minimal slurm.conf for this host (one node with this machine's CPUs and memory, one
# partition), starts munged, slurmctld and slurmd as root, and waits until `sinfo` shows the node
# idle. Must run as root. About a minute on a fresh machine (mostly apt-get).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

if [ "$(id -u)" != 0 ]; then echo "slurm-up: run as root (it installs packages and starts daemons)" >&2; exit 1; fi

need=()
command -v slurmctld >/dev/null 2>&1 || need+=(slurmctld)
command -v slurmd >/dev/null 2>&1 || need+=(slurmd)
command -v sbatch >/dev/null 2>&1 || need+=(slurm-client)
command -v munged >/dev/null 2>&1 || need+=(munge)
if [ ${#need[@]} -gt 0 ]; then
  echo "slurm-up: installing ${need[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

host=$(hostname -s)
cpus=$(nproc)
# Leave 1 GiB to the system; Slurm refuses a node whose real memory is below what slurm.conf says.
mem=$(awk '/MemTotal/{m=int($2/1024)-1024; print (m>512?m:512)}' /proc/meminfo)
# Its own state folder, named after the cluster: slurmctld refuses a state folder another
# ClusterName wrote ("CLUSTER NAME MISMATCH").
state=/var/spool/slurmctld-whittle
mkdir -p /etc/slurm "$state" /var/spool/slurmd-whittle /var/log/slurm /run/munge

# munge: one key shared by the controller and the node (here the same host).
if [ ! -s /etc/munge/munge.key ]; then
  if command -v mungekey >/dev/null 2>&1; then mungekey -c -f -k /etc/munge/munge.key; else dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none; fi
fi
chown munge:munge /etc/munge/munge.key /run/munge
chmod 400 /etc/munge/munge.key
mkdir -p /var/lib/munge /var/log/munge && chown munge:munge /var/lib/munge /var/log/munge
if ! pgrep -u munge -x munged >/dev/null 2>&1; then
  su -s /bin/sh munge -c 'munged --force'
fi

conf=/etc/slurm/slurm.conf
want=$(cat <<CONF
# Written by scripts/ci/slurm-up.sh: a single-node cluster for Whittle's tests.
ClusterName=whittle
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
StateSaveLocation=$state
SlurmdSpoolDir=/var/spool/slurmd-whittle
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
MpiDefault=none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
# Finished jobs stay visible to squeue -t all for 10 minutes (Whittle reads how a task ended there
# when there is no accounting database for sacct).
MinJobAge=600
KillWait=30
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
)
changed=0
if [ ! -f "$conf" ] || [ "$(cat "$conf")" != "$want" ]; then printf '%s\n' "$want" > "$conf"; changed=1; fi

if [ $changed = 1 ]; then
  # A new configuration: restart whatever runs with the old one.
  [ -f /run/slurmd.pid ] && kill "$(cat /run/slurmd.pid)" 2>/dev/null || true
  [ -f /run/slurmctld.pid ] && kill "$(cat /run/slurmctld.pid)" 2>/dev/null || true
  sleep 1
fi
pgrep -x slurmctld >/dev/null 2>&1 || slurmctld
pgrep -x slurmd >/dev/null 2>&1 || slurmd

for i in $(seq 1 60); do
  state_now=$(sinfo -h -N -o '%T' 2>/dev/null | head -1 || true)
  case "$state_now" in
    idle|mixed|allocated) echo "slurm-up: node $host $state_now ($cpus CPUs, $mem MiB), partition debug"; exit 0 ;;
    down*|drain*) scontrol update nodename="$host" state=resume 2>/dev/null || true ;;
  esac
  sleep 1
done
echo "slurm-up: the node did not become idle within 60 s; sinfo says:" >&2
sinfo >&2 || true
tail -20 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log >&2 || true
exit 1
