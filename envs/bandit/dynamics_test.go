package bandit

import (
	"fmt"
	"math"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/internal/race"
)

// TestBernoulliEmpiricalMeans pulls every arm many times and checks the
// empirical means against μ within 4.5 standard errors.
func TestBernoulliEmpiricalMeans(t *testing.T) {
	const k = 5
	n := 20000
	if race.Enabled {
		n = 4000
	}
	for _, opts := range []dojo.Options{{}, {"gap": 0.3, "best_mean": 0.65}} {
		t.Run(fmt.Sprint(opts), func(t *testing.T) {
			t.Parallel()
			opts["horizon"] = k * n
			e := makeEnv(t, "bandit/Bernoulli-5-v0", opts)
			reset(t, e, 7)
			mu := e.Means()
			var sum [k]float64
			for i := range k * n {
				s := step(t, e, dojo.IndexAction(i%k))
				if p := s.Info.Metrics[mPayout].Value; p != 0 && p != 1 {
					t.Fatalf("Bernoulli payout %v", p)
				}
				sum[i%k] += s.Reward
			}
			for a := range k {
				got := sum[a] / float64(n)
				se := math.Sqrt(mu[a] * (1 - mu[a]) / float64(n))
				if math.Abs(got-mu[a]) > 4.5*se+1e-12 {
					t.Errorf("arm %d: empirical mean %.4f over %d pulls, μ = %.4f (standard error %.4f)", a, got, n, mu[a], se)
				}
			}
		})
	}
}

func TestGaussianEmpirical(t *testing.T) {
	const k, sigma = 10, 2.0
	n := 5000
	if race.Enabled {
		n = 1000
	}
	e := makeEnv(t, "bandit/Gaussian-10-v0", dojo.Options{"sigma": sigma, "horizon": k * n})
	reset(t, e, 3)
	mu := e.Means()
	var sum, sq [k]float64
	for i := range k * n {
		r := step(t, e, dojo.IndexAction(i%k)).Reward
		sum[i%k] += r
		sq[i%k] += (r - mu[i%k]) * (r - mu[i%k])
	}
	var all float64
	for a := range k {
		if got, se := sum[a]/float64(n), sigma/math.Sqrt(float64(n)); math.Abs(got-mu[a]) > 4.5*se {
			t.Errorf("arm %d: empirical mean %.4f, μ = %.4f (standard error %.4f)", a, got, mu[a], se)
		}
		all += sq[a]
	}
	if sd := math.Sqrt(all / float64(k*n)); math.Abs(sd-sigma) > 0.05*sigma {
		t.Errorf("reward noise standard deviation %.4f, want %v", sd, sigma)
	}
	// The means are N(0,1) draws: over many seeds their mean and variance
	// are 0 and 1.
	var m, v float64
	const seeds = 400
	for seed := range uint64(seeds) {
		reset(t, e, seed)
		for _, x := range e.Means() {
			m += x
			v += x * x
		}
	}
	m /= seeds * k
	v = v/(seeds*k) - m*m
	if math.Abs(m) > 0.1 || math.Abs(v-1) > 0.1 {
		t.Errorf("arm means over %d seeds: mean %.3f variance %.3f, want 0 and 1", seeds, m, v)
	}
}

func TestUniformInstance(t *testing.T) {
	e := makeEnv(t, "bandit/Bernoulli-10-v0", nil)
	var lo, hi int
	for seed := range uint64(200) {
		reset(t, e, seed)
		for _, m := range e.Means() {
			if m < 0 || m >= 1 {
				t.Fatalf("seed %d: mean %v outside [0,1)", seed, m)
			}
			if m < 0.5 {
				lo++
			} else {
				hi++
			}
		}
	}
	if lo < 900 || hi < 900 {
		t.Errorf("2000 means: %d below 0.5 and %d above, want about half each", lo, hi)
	}
}

func TestGapInstance(t *testing.T) {
	e := makeEnv(t, "bandit/Bernoulli-20-v0", dojo.Options{"gap": 0.25, "best_mean": 0.6})
	bests := map[int]bool{}
	for seed := range uint64(100) {
		_, info := reset(t, e, seed)
		best := int(info.Metrics[mBestArm].Value)
		bests[best] = true
		for a, m := range e.Means() {
			want := 0.6 - 0.25
			if a == best {
				want = 0.6
			}
			if m != want {
				t.Fatalf("seed %d arm %d: mean %v, want %v (best arm %d)", seed, a, m, want, best)
			}
		}
	}
	if len(bests) < 10 {
		t.Errorf("100 seeds chose only %d distinct best arms of 20", len(bests))
	}
}

func TestReflect(t *testing.T) {
	tests := []struct{ in, want float64 }{
		{0, 0}, {0.3, 0.3}, {1, 1}, {-0.2, 0.2}, {1.25, 0.75}, {2.5, 0.5}, {-1.5, 0.5}, {3.75, 0.25}, {-2, 0},
	}
	for _, tt := range tests {
		if got := reflect(tt.in); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("reflect(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// TestDrifting checks that the means walk within [0,1], that regret is
// measured against the best arm of the step, and that drift 0 is
// stationary.
func TestDrifting(t *testing.T) {
	e := makeEnv(t, "bandit/Drifting-10-v0", dojo.Options{"drift": 0.3, "horizon": 500})
	reset(t, e, 4)
	start := e.Means()
	var moved float64
	for i := range 500 {
		before := e.Means()
		hi, best := before[0], 0
		for a, m := range before {
			if m > hi {
				hi, best = m, a
			}
		}
		arm := (i * 7) % 10
		s := step(t, e, dojo.IndexAction(arm))
		if got := s.Info.Metrics[mRegret].Value; got != hi-before[arm] {
			t.Fatalf("step %d: regret %v, want μ*-μ_a = %v", i+1, got, hi-before[arm])
		}
		if got := s.Info.Metrics[mBestArm].Value; got != float64(best) {
			t.Fatalf("step %d: best_arm %v, want %d", i+1, got, best)
		}
		for a, m := range e.Means() {
			if m < 0 || m > 1 {
				t.Fatalf("step %d: mean of arm %d is %v, outside [0,1]", i+1, a, m)
			}
			moved += math.Abs(m - before[a])
		}
	}
	if moved == 0 || fmt.Sprint(start) == fmt.Sprint(e.Means()) {
		t.Errorf("the means did not drift")
	}

	e = makeEnv(t, "bandit/Drifting-10-v0", dojo.Options{"drift": 0.0, "horizon": 50})
	reset(t, e, 4)
	start = e.Means()
	for i := range 49 {
		step(t, e, dojo.IndexAction(i%10))
	}
	if fmt.Sprint(start) != fmt.Sprint(e.Means()) {
		t.Errorf("drift 0: means moved from %v to %v", start, e.Means())
	}
}

// TestLinear checks the contextual bandit's geometry: unit θ and features,
// μ_a = x_a·θ, the observation is the feature buffer, and rewards are
// x·θ plus noise of the given sigma.
func TestLinear(t *testing.T) {
	const k, d, sigma = 10, 4, 0.5
	n := 4000
	if race.Enabled {
		n = 1000
	}
	e := makeEnv(t, "bandit/Linear-10-v0", dojo.Options{"dim": d, "sigma": sigma, "horizon": n})
	obs, _ := reset(t, e, 12)
	if n := norm(e.theta); math.Abs(n-1) > 1e-12 {
		t.Fatalf("|θ| = %v, want 1", n)
	}
	var noise, noise2 float64
	for i := range n {
		x, ok := obs.Value.([]float64)
		if !ok || len(x) != k*d {
			t.Fatalf("step %d: observation %T of length %d, want []float64 of %d", i, obs.Value, len(x), k*d)
		}
		best, hi := 0, math.Inf(-1)
		for a := range k {
			row := x[a*d : (a+1)*d]
			if n := norm(row); math.Abs(n-1) > 1e-12 {
				t.Fatalf("step %d: |x_%d| = %v, want 1", i, a, n)
			}
			if mu := dot(row, e.theta); mu != e.mu[a] {
				t.Fatalf("step %d: μ_%d = %v, x·θ = %v", i, a, e.mu[a], mu)
			} else if mu > hi {
				best, hi = a, mu
			}
		}
		if e.best != best {
			t.Fatalf("step %d: best arm %d, argmax x·θ = %d", i, e.best, best)
		}
		arm := i % k
		mu := e.mu[arm]
		s := step(t, e, dojo.IndexAction(arm))
		if got := s.Info.Metrics[mRegret].Value; math.Abs(got-(hi-mu)) > 1e-15 {
			t.Fatalf("step %d: regret %v, want %v", i, got, hi-mu)
		}
		noise += s.Reward - mu
		noise2 += (s.Reward - mu) * (s.Reward - mu)
		obs = s.Obs
	}
	mean, sd := noise/float64(n), math.Sqrt(noise2/float64(n))
	if math.Abs(mean) > 4.5*sigma/math.Sqrt(float64(n)) || math.Abs(sd-sigma) > 0.06*sigma {
		t.Errorf("reward - x·θ over %d steps: mean %.4f sd %.4f, want 0 and %v", n, mean, sd, sigma)
	}
}

func norm(x []float64) float64 { return math.Sqrt(dot(x, x)) }

// TestZeroAllocs pins the hot path: Step with structured observations
// allocates nothing.
func TestZeroAllocs(t *testing.T) {
	if race.Enabled {
		t.Skip("the race detector allocates")
	}
	for _, id := range registry(t).IDs() {
		e := makeEnv(t, id, dojo.Options{"horizon": 1_000_000})
		reset(t, e, 1)
		i := 0
		allocs := testing.AllocsPerRun(1000, func() {
			step(t, e, dojo.IndexAction(i%e.k))
			i++
		})
		if allocs != 0 {
			t.Errorf("%s: Step allocates %v times", id, allocs)
		}
	}
}
