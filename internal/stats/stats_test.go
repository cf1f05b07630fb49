package stats

import (
	"fmt"
	"math"
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
