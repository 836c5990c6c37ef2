#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for trying `videovcreg sweep --slurm` and for the tests:
#   scripts/slurm-local.sh start   munge key and daemon, slurm.conf for this host, slurmctld and slurmd; waits until the node is idle
#   scripts/slurm-local.sh stop    scontrol shutdown, munged stopped
#   scripts/slurm-local.sh status  sinfo
# Needs root and Debian's slurm-wlm and munge (the test command installs them). State lives in /var/lib/videovcreg-slurm.
set -euo pipefail
STATE=/var/lib/videovcreg-slurm
CONF=/etc/slurm/slurm.conf
HOST=$(hostname -s)
CPUS=${SLURM_LOCAL_CPUS:-2}

die() { echo "slurm-local: $*" >&2; exit 1; }

start() {
    [ "$(id -u)" = 0 ] || die "must run as root"
    command -v slurmctld >/dev/null && command -v munged >/dev/null || die "slurm-wlm and munge are not installed (apt-get install slurm-wlm munge)"
    mkdir -p "$STATE"/{ctld,d} /etc/slurm /run/munge /var/log/munge /var/lib/munge /etc/munge
    if [ ! -s /etc/munge/munge.key ]; then
        dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
    fi
    chown -R munge:munge /etc/munge /run/munge /var/log/munge /var/lib/munge
    chmod 0700 /etc/munge /var/log/munge /var/lib/munge
    chmod 0400 /etc/munge/munge.key
    chmod 0755 /run/munge
    if ! pgrep -x munged >/dev/null; then
        runuser -u munge -- /usr/sbin/munged --force
    fi
    # slurmctld and slurmd authenticate through munged's socket from their first message on.
    for _ in $(seq 1 40); do [ -S /run/munge/munge.socket.2 ] && break; sleep 0.25; done
    [ -S /run/munge/munge.socket.2 ] || die "munged did not open /run/munge/munge.socket.2"
    cat > "$CONF" <<CONF
ClusterName=videovcreg-local
SlurmctldHost=$HOST
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/d
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
MpiDefault=none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=10
MinJobAge=300
NodeName=$HOST CPUs=$CPUS State=UNKNOWN
PartitionName=local Nodes=$HOST Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF
    pgrep -x slurmctld >/dev/null || /usr/sbin/slurmctld
    pgrep -x slurmd >/dev/null || /usr/sbin/slurmd
    for _ in $(seq 1 60); do
        if sinfo -h -o '%t' 2>/dev/null | grep -qE '^(idle|mix|alloc)'; then echo "slurm-local: node $HOST up ($CPUS CPUs)"; return 0; fi
        sleep 0.5
    done
    tail -n 5 "$STATE/slurmctld.log" "$STATE/slurmd.log" >&2 || true
    die "the node did not come up in 30 s (logs above)"
}

stop() {
    if pgrep -x slurmctld >/dev/null || pgrep -x slurmd >/dev/null; then
        scontrol shutdown >/dev/null 2>&1 || true
        for _ in $(seq 1 40); do pgrep -x slurmctld >/dev/null || pgrep -x slurmd >/dev/null || break; sleep 0.25; done
        pkill -x slurmctld 2>/dev/null || true
        pkill -x slurmd 2>/dev/null || true
    fi
    # A job step whose controller is gone retries its completion message forever, and keeps slurmd waiting for it.
    for _ in $(seq 1 20); do pgrep -f '^slurmstepd' >/dev/null || pgrep -x slurmd >/dev/null || break; sleep 0.25; done
    pkill -9 -f '^slurmstepd' 2>/dev/null || true
    pkill -9 -x slurmd 2>/dev/null || true
    pkill -9 -x slurmctld 2>/dev/null || true
    # Gone before this returns: a start right after a stop saw the old munged still alive, started none, and the
    # daemons it then started could not authenticate once the old one had exited.
    pkill -x munged 2>/dev/null || true
    for _ in $(seq 1 20); do pgrep -x munged >/dev/null || break; sleep 0.25; done
    pkill -9 -x munged 2>/dev/null || true
    rm -f /run/munge/munge.socket.2
    echo "slurm-local: stopped"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) sinfo ;;
    *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
