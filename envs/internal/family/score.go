package family

import (
	"strings"

	"github.com/dojo-rl/dojo"
)

// Score is the score of a verified response: the parts named as comps with
// the values vals and the weights of w (an env's reward.Parts.Parts(), in
// the same order), their weighted sum dojo.Sum as the reward, and errs
// joined by "; " as the error.
func Score(comps []dojo.Component, vals []float64, w []dojo.Part, success bool, errs []string) dojo.Score {
	parts := make([]dojo.Part, len(comps))
	for i := range parts {
		parts[i] = dojo.Part{Name: comps[i].Name, Value: vals[i], Weight: w[i].Weight}
	}
	s := dojo.Score{Reward: dojo.Sum(parts), Success: success, Parts: parts}
	if len(errs) > 0 {
		s.Error = strings.Join(errs, "; ")
	}
	return s
}
