#!/bin/sh
# submit-bench.sh SUITE AGENT OUT [SHARDS [SBATCH_ARGS...]]
#
# Submits a dojo benchmark to Slurm as an array of SHARDS jobs (default
# 4), one shard of the suite each (bench-array.sbatch), and the job that
# merges them (bench-merge.sbatch), which starts once every shard has
# finished (--dependency=afterok). OUT must be on storage every node sees;
# the merged report ends up in OUT/merged. SBATCH_ARGS (a partition, a
# time limit, an account) go to both sbatch calls. DOJO_BIN and
# DOJO_BENCH_ARGS are passed on as bench-array.sbatch describes.
#
# Prints the two job ids: "ARRAY_JOB_ID MERGE_JOB_ID".
set -eu
if [ $# -lt 3 ]; then
	echo "usage: submit-bench.sh SUITE AGENT OUT [SHARDS [SBATCH_ARGS...]]" >&2
	exit 2
fi
suite=$1 agent=$2 out=$3
shards=${4:-4}
[ $# -ge 4 ] && shift 4 || shift 3
case $shards in
'' | *[!0-9]* | 0)
	echo "submit-bench.sh: SHARDS $shards: want a whole number ≥ 1" >&2
	exit 2
	;;
esac
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
export DOJO_SUITE="$suite" DOJO_AGENT="$agent" DOJO_OUT="$out"
array=$(sbatch --parsable --array=0-$((shards - 1)) --output="$out/slurm-%A_%a.out" "$@" "$here/bench-array.sbatch")
array=${array%%;*}
merge=$(sbatch --parsable --dependency=afterok:"$array" --kill-on-invalid-dep=yes --output="$out/slurm-merge-%j.out" "$@" "$here/bench-merge.sbatch")
merge=${merge%%;*}
echo "$array $merge"
