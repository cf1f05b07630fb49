package stats

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestWilson(t *testing.T) {
	t.Parallel()
	tests := []struct {
		k, n   int
		conf   float64
		lo, hi float64
	}{
		{8, 10, 0.95, 0.4902, 0.9433},
		{0, 10, 0.95, 0, 0.2775},
		{10, 10, 0.95, 0.7225, 1},
		{50, 100, 0.95, 0.4038, 0.5962},
		{1, 2, 0.95, 0.0945, 0.9055},
		{8, 10, 0.90, 0.5408, 0.9314},
		{0, 0, 0.95, 0, 1},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d/%d@%v", tt.k, tt.n, tt.conf), func(t *testing.T) {
			got := Wilson(tt.k, tt.n, tt.conf)
			if !near(got.Lo, tt.lo, 5e-5) || !near(got.Hi, tt.hi, 5e-5) {
				t.Errorf("Wilson(%d, %d, %v) = [%.4f, %.4f], want [%.4f, %.4f]", tt.k, tt.n, tt.conf, got.Lo, got.Hi, tt.lo, tt.hi)
			}
		})
	}
}

func TestQuantiles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		got  float64
		want float64
	}{
		{"z 0.975", NormalQuantile(0.975), 1.959963984540054},
		{"z 0.5", NormalQuantile(0.5), 0},
		{"z 0.05", NormalQuantile(0.05), -1.6448536269514722},
		{"t 0.975 df=1", StudentQuantile(0.975, 1), 12.706204736174705},
		{"t 0.975 df=2", StudentQuantile(0.975, 2), 4.302652729749464},
		{"t 0.975 df=9", StudentQuantile(0.975, 9), 2.2621571628540993},
		{"t 0.975 df=30", StudentQuantile(0.975, 30), 2.0422724563012373},
		{"t 0.95 df=5", StudentQuantile(0.95, 5), 2.015048372669157},
		{"t 0.025 df=9", StudentQuantile(0.025, 9), -2.2621571628540993},
		{"t 0.995 df=1000", StudentQuantile(0.995, 1000), 2.5807546980659},
		{"t 0.975 df=inf", StudentQuantile(0.975, math.Inf(1)), 1.959963984540054},
		{"t cdf", StudentCDF(2.2621571628540993, 9), 0.975},
		{"t cdf negative", StudentCDF(-1, 3), 0.19550110947788535},
		{"I_0.4(2,3)", RegIncBeta(2, 3, 0.4), 0.5248},
		{"I_0.9(0.5,0.5)", RegIncBeta(0.5, 0.5, 0.9), 2 / math.Pi * math.Asin(math.Sqrt(0.9))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !near(tt.got, tt.want, 1e-9*math.Max(1, math.Abs(tt.want))) {
				t.Errorf("got %.15g, want %.15g", tt.got, tt.want)
			}
		})
	}
	for _, bad := range []float64{StudentQuantile(-0.1, 3), StudentQuantile(0.5, 0), StudentQuantile(math.NaN(), 2)} {
		if !math.IsNaN(bad) {
			t.Errorf("out-of-domain quantile = %v, want NaN", bad)
		}
	}
}

func TestMean(t *testing.T) {
	t.Parallel()
	xs := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	e := Mean(xs, 0.95)
	if e.N != 10 || e.Mean != 5.5 || !near(e.Std, 3.0276503540974917, 1e-12) {
		t.Fatalf("Mean(1..10) = %+v, want n=10 mean=5.5 std=3.02765", e)
	}
	if !near(e.CI.Lo, 3.334149, 1e-6) || !near(e.CI.Hi, 7.665851, 1e-6) {
		t.Errorf("Mean(1..10) CI = %+v, want [3.334149, 7.665851]", e.CI)
	}
	one := Mean([]float64{3}, 0.95)
	if one.Mean != 3 || !math.IsInf(one.CI.Lo, -1) || !math.IsInf(one.CI.Hi, 1) {
		t.Errorf("Mean of one value = %+v, want mean 3 and an unbounded interval", one)
	}
	if none := Mean(nil, 0.95); none.N != 0 || !math.IsNaN(none.CI.Lo) {
		t.Errorf("Mean of nothing = %+v, want n=0 and NaN bounds", none)
	}
	same := Mean([]float64{2, 2, 2}, 0.95)
	if same.CI != (Interval{2, 2}) {
		t.Errorf("Mean of constants CI = %+v, want [2, 2]", same.CI)
	}
}

func TestBootstrap(t *testing.T) {
	t.Parallel()
	// 200 values of a fixed sequence with known mean; the bootstrap
	// interval must be deterministic, contain the mean and be close to the
	// t interval.
	xs := make([]float64, 200)
	for i := range xs {
		xs[i] = float64((i*37)%101) / 10
	}
	a := Bootstrap(xs, 0.95, 2000, 7)
	b := Bootstrap(xs, 0.95, 2000, 7)
	if a != b {
		t.Fatalf("Bootstrap is not deterministic: %v then %v", a, b)
	}
	e := Mean(xs, 0.95)
	if !a.Contains(e.Mean) {
		t.Errorf("bootstrap interval %v does not contain the mean %v", a, e.Mean)
	}
	tw, bw := e.CI.Hi-e.CI.Lo, a.Hi-a.Lo
	if math.Abs(bw-tw)/tw > 0.15 {
		t.Errorf("bootstrap width %v far from the t width %v", bw, tw)
	}
	if c := Bootstrap(xs, 0.95, 2000, 8); c == a {
		t.Errorf("different seeds gave the same interval %v", c)
	}
	if iv := Bootstrap([]float64{4}, 0.95, 10, 1); iv != (Interval{4, 4}) {
		t.Errorf("bootstrap of one value = %v, want [4, 4]", iv)
	}
}

func TestPassAtK(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n, c, k     int
		pass, passH float64
	}{
		{10, 3, 1, 0.3, 0.3},
		{5, 2, 2, 0.7, 0.1},
		{10, 0, 5, 0, 0},
		{10, 10, 3, 1, 1},
		{4, 3, 2, 1, 0.5},
		{20, 5, 3, 1 - 455.0/1140, 10.0 / 1140},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("n=%d,c=%d,k=%d", tt.n, tt.c, tt.k), func(t *testing.T) {
			if got := PassAtK(tt.n, tt.c, tt.k); !near(got, tt.pass, 1e-12) {
				t.Errorf("PassAtK = %v, want %v", got, tt.pass)
			}
			if got := PassHatK(tt.n, tt.c, tt.k); !near(got, tt.passH, 1e-12) {
				t.Errorf("PassHatK = %v, want %v", got, tt.passH)
			}
		})
	}
	if !math.IsNaN(PassAtK(3, 1, 4)) || !math.IsNaN(PassHatK(3, 1, 0)) {
		t.Errorf("k outside 1..n should give NaN")
	}
}

func ExampleWilson() {
	iv := Wilson(8, 10, 0.95)
	fmt.Printf("8/10 succeeded: 95%% CI [%.4f, %.4f]\n", iv.Lo, iv.Hi)
	e := Mean([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0.95)
	fmt.Printf("mean %.2f, 95%% CI [%.2f, %.2f]\n", e.Mean, e.CI.Lo, e.CI.Hi)
	// Output:
	// 8/10 succeeded: 95% CI [0.4902, 0.9433]
	// mean 5.50, 95% CI [3.33, 7.67]
}

func BenchmarkStudentQuantile(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		StudentQuantile(0.975, 99)
	}
}

func TestNewcombeDiff(t *testing.T) {
	t.Parallel()
	// Newcombe (1998), Table II, method 10 (hybrid score, no continuity
	// correction), 95% intervals.
	tests := []struct {
		k1, n1, k2, n2 int
		lo, hi         float64
	}{
		{56, 70, 48, 80, 0.0524, 0.3339},
		{9, 10, 3, 10, 0.1705, 0.8090},
		{6, 7, 2, 7, 0.0582, 0.8062},
		{5, 56, 0, 29, -0.0381, 0.1926},
		{0, 10, 0, 20, -0.1611, 0.2775},
		{10, 10, 0, 20, 0.6791, 1},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d/%d-%d/%d", tt.k1, tt.n1, tt.k2, tt.n2), func(t *testing.T) {
			got := NewcombeDiff(tt.k1, tt.n1, tt.k2, tt.n2, 0.95)
			if !near(got.Lo, tt.lo, 5e-5) || !near(got.Hi, tt.hi, 5e-5) {
				t.Errorf("NewcombeDiff = [%.4f, %.4f], want [%.4f, %.4f]", got.Lo, got.Hi, tt.lo, tt.hi)
			}
			// Swapping the samples mirrors the interval.
			sw := NewcombeDiff(tt.k2, tt.n2, tt.k1, tt.n1, 0.95)
			if !near(sw.Lo, -got.Hi, 1e-12) || !near(sw.Hi, -got.Lo, 1e-12) {
				t.Errorf("swapped = %v, want the mirror of %v", sw, got)
			}
		})
	}
	if iv := NewcombeDiff(3, 0, 1, 4, 0.95); iv != (Interval{-1, 1}) {
		t.Errorf("with an empty sample = %v, want [-1, 1]", iv)
	}
}

// coverage returns the share of reps seeded experiments whose interval,
// made by ci from a fresh sample, contains the truth.
func coverage(reps int, truth float64, ci func(rng *rand.Rand, seed uint64) Interval) float64 {
	rng := rand.New(rand.NewPCG(2024, 11))
	hits := 0
	for i := range reps {
		if ci(rng, uint64(i)).Contains(truth) {
			hits++
		}
	}
	return float64(hits) / float64(reps)
}

// The bootstrap intervals must cover the true mean about 95% of the time
// on known distributions. Each check is a fixed, seeded computation; the
// bands allow for the percentile bootstrap's known slight undercoverage at
// these sample sizes and for the Monte Carlo error of 400 repetitions
// (standard error about 1.1 points).
func TestBootstrapCoverage(t *testing.T) {
	t.Parallel()
	const reps, resamples = 400, 500
	normal := func(rng *rand.Rand, n int, mu, sigma float64) []float64 {
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = mu + sigma*rng.NormFloat64()
		}
		return xs
	}
	tests := []struct {
		name  string
		truth float64
		ci    func(rng *rand.Rand, seed uint64) Interval
	}{
		{"mean of N(3, 2²), n=60", 3, func(rng *rand.Rand, seed uint64) Interval {
			return Bootstrap(normal(rng, 60, 3, 2), 0.95, resamples, seed)
		}},
		{"mean of Exp(1), n=100", 1, func(rng *rand.Rand, seed uint64) Interval {
			xs := make([]float64, 100)
			for i := range xs {
				xs[i] = rng.ExpFloat64()
			}
			return Bootstrap(xs, 0.95, resamples, seed)
		}},
		{"difference of N(1, 1) and N(0.5, 2²) means, n=50 and 80", 0.5, func(rng *rand.Rand, seed uint64) Interval {
			return BootstrapDiff(normal(rng, 50, 1, 1), normal(rng, 80, 0.5, 2), 0.95, resamples, seed)
		}},
		{"mean of Bernoulli(0.2), (0.5), (0.9) rates, n=40 each", (0.2 + 0.5 + 0.9) / 3, func(rng *rand.Rand, seed uint64) Interval {
			groups := make([][]float64, 3)
			for g, p := range []float64{0.2, 0.5, 0.9} {
				groups[g] = make([]float64, 40)
				for i := range groups[g] {
					if rng.Float64() < p {
						groups[g][i] = 1
					}
				}
			}
			return BootstrapMeanOfMeans(groups, 0.95, resamples, seed)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := coverage(reps, tt.truth, tt.ci)
			t.Logf("coverage %.3f", c)
			if c < 0.915 || c > 0.975 {
				t.Errorf("coverage %.3f, want about 0.95", c)
			}
		})
	}
	// A 50% interval must cover about half the time: the bands above can
	// tell a level from another.
	half := coverage(reps, 3, func(rng *rand.Rand, seed uint64) Interval {
		return Bootstrap(normal(rng, 60, 3, 2), 0.5, resamples, seed)
	})
	if half < 0.42 || half > 0.58 {
		t.Errorf("50%% interval coverage %.3f, want about 0.5", half)
	}
}

func TestBootstrapDiffAndMeanOfMeans(t *testing.T) {
	t.Parallel()
	xs := []float64{1, 2, 3, 4, 5, 6}
	ys := []float64{0, 1, 1, 2}
	a := BootstrapDiff(xs, ys, 0.95, 2000, 3)
	if a != BootstrapDiff(xs, ys, 0.95, 2000, 3) {
		t.Error("BootstrapDiff is not deterministic")
	}
	if !a.Contains(3.5-1) || a.Lo <= 0 {
		t.Errorf("BootstrapDiff = %v, want it around 2.5 and above 0", a)
	}
	if iv := BootstrapDiff(nil, ys, 0.95, 100, 1); !math.IsNaN(iv.Lo) {
		t.Errorf("BootstrapDiff of an empty sample = %v, want NaN", iv)
	}
	same := BootstrapMeanOfMeans([][]float64{{1, 1}, {0, 0, 0}, nil}, 0.95, 100, 1)
	if same != (Interval{0.5, 0.5}) {
		t.Errorf("mean of constant groups = %v, want [0.5, 0.5] (empty groups left out)", same)
	}
	if iv := BootstrapMeanOfMeans([][]float64{nil}, 0.95, 100, 1); !math.IsNaN(iv.Hi) {
		t.Errorf("no values: %v, want NaN", iv)
	}
}

func TestQuantile(t *testing.T) {
	t.Parallel()
	xs := []float64{5, 1, 4, 2, 3}
	for _, tt := range []struct{ q, want float64 }{{0, 1}, {0.5, 3}, {0.25, 2}, {0.1, 1.4}, {1, 5}, {2, 5}} {
		if got := Quantile(xs, tt.q); !near(got, tt.want, 1e-12) {
			t.Errorf("Quantile(%v) = %v, want %v", tt.q, got, tt.want)
		}
	}
	if xs[0] != 5 {
		t.Error("Quantile sorted its input")
	}
	if !math.IsNaN(Quantile(nil, 0.5)) {
		t.Error("Quantile of nothing is not NaN")
	}
}

func TestPointBiserial(t *testing.T) {
	t.Parallel()
	// By hand: M₁ = 4, M₀ = 7/3, s = √2, p = 0.4, so
	// r = (5/3)/√2 · √0.24 = 1/√3; the Pearson correlation of x with
	// y = (0,0,1,0,1) is 2/√(10·1.2), the same.
	xs := []float64{1, 2, 3, 4, 5}
	ys := []bool{false, false, true, false, true}
	r := PointBiserial(xs, ys)
	if !near(r, 1/math.Sqrt(3), 1e-12) {
		t.Errorf("r = %v, want 1/√3", r)
	}
	// t = r·√(3/(1−r²)) = √1.5 on 3 degrees of freedom, whose distribution
	// function has a closed form: F(t) = ½ + (u/(1+u²) + atan u)/π with
	// u = t/√3.
	u := math.Sqrt(1.5) / math.Sqrt(3)
	wantP := 2 * (1 - (0.5 + (u/(1+u*u)+math.Atan(u))/math.Pi))
	if p := CorrelationP(r, 5); !near(p, wantP, 1e-9) {
		t.Errorf("p = %v, want %v", p, wantP)
	}
	flip := []bool{true, true, false, true, false}
	if got := PointBiserial(xs, flip); !near(got, -r, 1e-12) {
		t.Errorf("flipped r = %v, want %v", got, -r)
	}
	if got := PointBiserial([]float64{0, 0, 1, 1}, []bool{false, false, true, true}); got != 1 {
		t.Errorf("perfect separation r = %v, want 1", got)
	}
	if p := CorrelationP(1, 10); p != 0 {
		t.Errorf("p of r=1 = %v, want 0", p)
	}
	for _, bad := range []float64{
		PointBiserial(xs, make([]bool, 5)),                           // no successes
		PointBiserial([]float64{2, 2, 2}, []bool{true, false, true}), // constant x
		PointBiserial([]float64{1}, []bool{true}),
		CorrelationP(0.5, 2),
	} {
		if !math.IsNaN(bad) {
			t.Errorf("undefined correlation = %v, want NaN", bad)
		}
	}
}

func BenchmarkBootstrap(b *testing.B) {
	xs := make([]float64, 500)
	for i := range xs {
		xs[i] = float64(i % 17)
	}
	b.ReportAllocs()
	for b.Loop() {
		Bootstrap(xs, 0.95, 2000, 1)
	}
}
