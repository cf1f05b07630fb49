#!/bin/sh
# ci-cluster.sh: start a single-node Slurm cluster on this machine, for CI
# and for trying the scripts of deploy/slurm: munged, then slurmctld and
# slurmd on localhost, with a minimal slurm.conf that needs no cgroups
# (proctrack/linuxproc, task/none, no accounting). It does nothing when a
# cluster already answers (sinfo), installs Debian's slurm-wlm and munge
# when missing (apt-get), and must run as root. Logs go to
# /var/log/slurm. Exit status 0: a cluster answers; 1: it could not start
# one, saying why.
set -eu

say() { echo "ci-cluster: $*" >&2; }

if command -v sinfo >/dev/null 2>&1 && timeout 20 sinfo -h >/dev/null 2>&1; then
	say "a Slurm cluster already answers"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	say "not root: cannot start slurmctld and slurmd"
	exit 1
fi
if ! command -v slurmctld >/dev/null 2>&1 || ! command -v slurmd >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
	say "installing slurm-wlm and munge"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y slurm-wlm munge >/dev/null 2>&1 ||
		{ apt-get update >/dev/null && apt-get install -y slurm-wlm munge >/dev/null; } ||
		{ say "apt-get install slurm-wlm munge failed"; exit 1; }
fi

# munge: a key, a socket directory owned by munge, the daemon.
if [ ! -s /etc/munge/munge.key ]; then
	mkdir -p /etc/munge
	if command -v mungekey >/dev/null 2>&1; then
		mungekey --create --keyfile=/etc/munge/munge.key
	else
		dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 2>/dev/null
	fi
fi
chown munge:munge /etc/munge/munge.key
chmod 400 /etc/munge/munge.key
mkdir -p /run/munge /var/lib/munge /var/log/munge
chown munge:munge /run/munge /var/lib/munge /var/log/munge
chmod 755 /run/munge
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
	runuser -u munge -- /usr/sbin/munged
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break
		sleep 0.5
	done
	munge -n | unmunge >/dev/null || { say "munged does not answer"; exit 1; }
fi

# slurm.conf: one node, named as the machine, with its CPUs.
host=$(hostname -s)
cpus=$(nproc)
conf=/etc/slurm/slurm.conf
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
if [ ! -e "$conf" ] || grep -q '^# written by dojo deploy/slurm/ci-cluster.sh' "$conf"; then
	cat >"$conf" <<CONF
# written by dojo deploy/slurm/ci-cluster.sh: a single-node cluster for CI
ClusterName=dojo
SlurmctldHost=$host
AuthType=auth/munge
SlurmUser=root
SlurmdUser=root
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
MinJobAge=600
NodeName=$host CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
else
	say "$conf exists and was not written here: using it as it is"
fi

if ! scontrol ping 2>/dev/null | grep -q UP; then
	slurmctld
fi
if ! pgrep -x slurmd >/dev/null 2>&1; then
	slurmd
fi
for _ in $(seq 1 60); do
	state=$(sinfo -h -n "$host" -o %t 2>/dev/null || true)
	case "$state" in
	idle* | mix* | alloc*)
		say "cluster up: node $host ($cpus CPUs) $state"
		exit 0
		;;
	down* | drain*)
		scontrol update nodename="$host" state=resume 2>/dev/null || true
		;;
	esac
	sleep 1
done
say "the node did not come up (state ${state:-none}); see /var/log/slurm/slurmctld.log and slurmd.log"
exit 1
