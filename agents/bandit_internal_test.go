package agents

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestBanditBetaMoments checks the Beta sampler (and through it the Gamma
// sampler) against the exact mean a/(a+b) and variance
// ab/((a+b)²(a+b+1)).
func TestBanditBetaMoments(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 40000
	for _, p := range [][2]float64{{1, 1}, {2, 5}, {30, 3}, {1, 200}, {1000, 1000}} {
		a, b := p[0], p[1]
		var sum, sq float64
		for range n {
			x := banditBeta(rng, a, b)
			if !(x >= 0 && x <= 1) {
				t.Fatalf("Beta(%v, %v) drew %v", a, b, x)
			}
			sum += x
			sq += x * x
		}
		mean, v := sum/n, sq/n-(sum/n)*(sum/n)
		wantMean := a / (a + b)
		wantVar := a * b / ((a + b) * (a + b) * (a + b + 1))
		if math.Abs(mean-wantMean) > 5*math.Sqrt(wantVar/n) {
			t.Errorf("Beta(%v, %v): mean %.5f, want %.5f", a, b, mean, wantMean)
		}
		if math.Abs(v-wantVar) > 0.05*wantVar {
			t.Errorf("Beta(%v, %v): variance %.3g, want %.3g", a, b, v, wantVar)
		}
	}
}

func TestBanditGammaMean(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 40000
	for _, shape := range []float64{1, 1.5, 4, 50} {
		var sum, sq float64
		for range n {
			x := banditGamma(rng, shape)
			sum += x
			sq += x * x
		}
		mean, v := sum/n, sq/n-(sum/n)*(sum/n)
		// Gamma(k, 1) has mean and variance k.
		if math.Abs(mean-shape) > 5*math.Sqrt(shape/n) || math.Abs(v-shape) > 0.05*shape {
			t.Errorf("Gamma(%v): mean %.4f variance %.4f, want %v and %v", shape, mean, v, shape, shape)
		}
	}
}

func TestThompsonBinary(t *testing.T) {
	for id, want := range map[string]bool{
		"bandit/Bernoulli-10-v0": true,
		"bandit/Drifting-10-v0":  true,
		"bandit/Gaussian-10-v0":  false,
		"bandit/Linear-10-v0":    false,
		"other/Bernoulli-3-v0":   false,
	} {
		if got := thompsonBinary(id); got != want {
			t.Errorf("thompsonBinary(%q) = %v, want %v", id, got, want)
		}
	}
}
