// Package slurm holds the Slurm scripts of dojo and their test: nothing to
// import.
//
//   - bench-array.sbatch plays one shard of a benchmark per task of a job
//     array (dojo reads SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT),
//     bench-merge.sbatch merges the shards once they have all finished, and
//     submit-bench.sh submits both, the merge with --dependency=afterok.
//   - serve.sbatch runs one `dojo serve --listen` per allocated node and
//     writes their addresses to a file.
//   - ci-cluster.sh starts a single-node cluster (munged, slurmctld and
//     slurmd with a slurm.conf that needs no cgroups) for CI.
//
// The tests run the scripts for real when a cluster answers (sinfo): the
// array and its merge, compared with an unsharded run, and the servers'
// health check. Where none answers they skip, saying why.
package slurm
