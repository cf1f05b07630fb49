package runner

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/internal/shard"
)

// MergeShards merges the files of the shards of a run (Config.Shard) into
// the whole run's file, written to w: one line per episode in episode
// order, each the very line the unsharded run writes for it (the shard
// tag cut off; WallMS is each episode's own). The files must hold every
// shard of one run once, each complete: a missing, repeated, incomplete
// or mismatched shard (another env, options, agent, seed base, number of
// shards or of episodes) is an error naming the file or the shard. It
// returns the number of episodes written.
func MergeShards(paths []string, w io.Writer) (int, error) {
	in := make([]shard.Input, len(paths))
	for i, p := range paths {
		in[i] = shard.Input{Path: p}
	}
	n, err := shard.Merge(in, nil, ShardItem, w)
	if err != nil {
		return 0, dojo.Errorf(dojo.CodeInvalid, "merging run shards: %v", err)
	}
	return n, nil
}

// ShardItem reads an episode record of a shard, its tag cut off, for
// shard.Merge: its key is the episode index and its identity the run's
// env, options, agent and seed base.
func ShardItem(line []byte, tag shard.Tag) (shard.Item, error) {
	var h header
	if err := json.Unmarshal(line, &h); err != nil || h.Episode == nil || h.Seed == nil {
		why := "missing episode or seed"
		if err != nil {
			why = err.Error()
		}
		return shard.Item{}, fmt.Errorf("not an episode record (%s)", why)
	}
	if base := *h.Seed - uint64(*h.Episode); base != tag.Seed {
		return shard.Item{}, fmt.Errorf("episode %d has seed %d: its seed base %d is not the shard's %d", *h.Episode, *h.Seed, base, tag.Seed)
	}
	opts, err := canonicalJSON(h.Options)
	if err != nil {
		return shard.Item{}, fmt.Errorf("options: %v", err)
	}
	return shard.Item{
		Key:      *h.Episode,
		Identity: fmt.Sprintf("env %s, options %s, agent %q", h.Env, opts, h.Agent),
	}, nil
}
