// Package stats holds the small statistics dojo reports: Wilson score
// intervals for success rates and Newcombe's interval for their difference,
// means with Student-t confidence intervals, percentile-bootstrap intervals
// (of a mean, of any statistic of several samples' means: a difference, a
// mean of group means), the
// unbiased pass@k and pass^k estimators, and the point-biserial correlation.
// Everything is deterministic: the bootstrap draws from a seeded PCG
// generator.
package stats

import (
	"math"
	"math/rand/v2"
	"slices"
)

// Interval is a confidence interval [Lo, Hi].
type Interval struct {
	Lo float64 `json:"lo"`
	Hi float64 `json:"hi"`
}

// Contains reports whether x lies in the closed interval.
func (iv Interval) Contains(x float64) bool { return iv.Lo <= x && x <= iv.Hi }

// NormalQuantile returns the p-quantile of the standard normal distribution
// (NormalQuantile(0.975) ≈ 1.959964). p outside (0, 1) gives ±Inf or NaN.
func NormalQuantile(p float64) float64 {
	return math.Sqrt2 * math.Erfinv(2*p-1)
}

// Wilson returns the Wilson score interval for k successes in n trials at
// confidence level conf (0.95 for 95%):
//
//	center = (p̂ + z²/2n) / (1 + z²/n)
//	half   = z / (1 + z²/n) · sqrt(p̂(1−p̂)/n + z²/4n²)
//
// with p̂ = k/n and z the (1+conf)/2 normal quantile. Unlike the normal
// approximation it stays within [0, 1] and is sensible at k = 0 and k = n.
// With n = 0 nothing is known and the interval is [0, 1].
func Wilson(k, n int, conf float64) Interval {
	if n <= 0 {
		return Interval{0, 1}
	}
	z := NormalQuantile((1 + conf) / 2)
	nf := float64(n)
	p := float64(k) / nf
	z2 := z * z
	den := 1 + z2/nf
	center := (p + z2/(2*nf)) / den
	half := z / den * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	iv := Interval{math.Max(0, center-half), math.Min(1, center+half)}
	// The bounds at k = 0 and k = n are exactly 0 and 1; rounding would
	// leave them a hair inside.
	if k <= 0 {
		iv.Lo = 0
	}
	if k >= n {
		iv.Hi = 1
	}
	return iv
}

// Estimate is a sample mean with its spread and a confidence interval.
type Estimate struct {
	N    int      `json:"n"`
	Mean float64  `json:"mean"`
	Std  float64  `json:"std"` // sample standard deviation (n−1 denominator)
	CI   Interval `json:"ci"`
}

// Mean returns the mean of xs with a Student-t confidence interval at level
// conf:
//
//	mean ± t_{(1+conf)/2, n−1} · s/√n
//
// With fewer than two values the spread is unknown: Std is 0 and the
// interval is [−Inf, +Inf] (NaN bounds with no values at all).
func Mean(xs []float64, conf float64) Estimate {
	n := len(xs)
	e := Estimate{N: n}
	if n == 0 {
		e.CI = Interval{math.NaN(), math.NaN()}
		return e
	}
	var sum float64
	for _, x := range xs {
		sum += x
	}
	e.Mean = sum / float64(n)
	if n < 2 {
		e.CI = Interval{math.Inf(-1), math.Inf(1)}
		return e
	}
	var ss float64
	for _, x := range xs {
		d := x - e.Mean
		ss += d * d
	}
	e.Std = math.Sqrt(ss / float64(n-1))
	half := StudentQuantile((1+conf)/2, float64(n-1)) * e.Std / math.Sqrt(float64(n))
	e.CI = Interval{e.Mean - half, e.Mean + half}
	return e
}

// Bootstrap returns the percentile-bootstrap interval of the mean of xs at
// level conf from reps resamples drawn with a PCG generator seeded by seed,
// so the same inputs always give the same interval. It needs at least one
// value; reps below 100 are raised to 100.
func Bootstrap(xs []float64, conf float64, reps int, seed uint64) Interval {
	n := len(xs)
	if n == 0 {
		return Interval{math.NaN(), math.NaN()}
	}
	reps = max(reps, 100)
	rng := newRNG(seed)
	means := make([]float64, reps)
	for r := range means {
		means[r] = resampleMean(rng, xs)
	}
	return percentiles(means, conf)
}

// quantileSorted interpolates linearly between order statistics (type 7 in
// Hyndman and Fan, R's default).
func quantileSorted(s []float64, q float64) float64 {
	h := q * float64(len(s)-1)
	lo := int(math.Floor(h))
	if lo >= len(s)-1 {
		return s[len(s)-1]
	}
	if lo < 0 {
		return s[0]
	}
	return s[lo] + (h-float64(lo))*(s[lo+1]-s[lo])
}

// StudentQuantile returns the p-quantile of Student's t distribution with df
// degrees of freedom (StudentQuantile(0.975, 9) ≈ 2.262157), found by
// bisection on the distribution function to full float64 precision. An
// infinite df gives the normal quantile.
func StudentQuantile(p, df float64) float64 {
	switch {
	case math.IsNaN(p) || math.IsNaN(df) || df <= 0 || p < 0 || p > 1:
		return math.NaN()
	case p == 0:
		return math.Inf(-1)
	case p == 1:
		return math.Inf(1)
	case p == 0.5:
		return 0
	case math.IsInf(df, 1):
		return NormalQuantile(p)
	case p < 0.5:
		return -StudentQuantile(1-p, df)
	}
	lo, hi := 0.0, 1.0
	for StudentCDF(hi, df) < p {
		lo, hi = hi, hi*2
		if math.IsInf(hi, 1) {
			return hi
		}
	}
	for range 200 {
		mid := lo + (hi-lo)/2
		if mid == lo || mid == hi {
			break
		}
		if StudentCDF(mid, df) < p {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo + (hi-lo)/2
}

// StudentCDF returns P(T ≤ t) for Student's t distribution with df degrees
// of freedom:
//
//	P(T ≤ t) = 1 − ½·I_{df/(df+t²)}(df/2, ½)   for t ≥ 0
//
// with I the regularized incomplete beta function.
func StudentCDF(t, df float64) float64 {
	if math.IsInf(df, 1) {
		return 0.5 * math.Erfc(-t/math.Sqrt2)
	}
	x := df / (df + t*t)
	tail := 0.5 * RegIncBeta(df/2, 0.5, x)
	if t >= 0 {
		return 1 - tail
	}
	return tail
}

// RegIncBeta returns the regularized incomplete beta function I_x(a, b),
// evaluated with the continued fraction of Numerical Recipes (betacf) by
// the modified Lentz method.
func RegIncBeta(a, b, x float64) float64 {
	switch {
	case x <= 0:
		return 0
	case x >= 1:
		return 1
	}
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	front := math.Exp(lab - la - lb + a*math.Log(x) + b*math.Log1p(-x))
	// The continued fraction converges fast for x < (a+1)/(a+b+2); use the
	// symmetry I_x(a,b) = 1 − I_{1−x}(b,a) otherwise.
	if x < (a+1)/(a+b+2) {
		return front * betaCF(a, b, x) / a
	}
	return 1 - front*betaCF(b, a, 1-x)/b
}

func betaCF(a, b, x float64) float64 {
	const tiny = 1e-300
	qab, qap, qam := a+b, a+1, a-1
	c, d := 1.0, 1-qab*x/qap
	if math.Abs(d) < tiny {
		d = tiny
	}
	d = 1 / d
	h := d
	for m := 1; m <= 10000; m++ {
		mf := float64(m)
		m2 := 2 * mf
		aa := mf * (b - mf) * x / ((qam + m2) * (a + m2))
		d = 1 + aa*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + aa/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		h *= d * c
		aa = -(a + mf) * (qab + mf) * x / ((a + m2) * (qap + m2))
		d = 1 + aa*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + aa/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < 1e-16 {
			break
		}
	}
	return h
}

// PassAtK is the unbiased estimator of pass@k from n samples of which c
// are correct (Chen et al. 2021, "Evaluating Large Language Models Trained
// on Code"): the probability that at least one of k samples drawn without
// replacement is correct,
//
//	pass@k = 1 − C(n−c, k) / C(n, k).
//
// k must be in 1..n; it returns NaN otherwise.
func PassAtK(n, c, k int) float64 {
	if k < 1 || k > n || c < 0 || c > n {
		return math.NaN()
	}
	if n-c < k {
		return 1
	}
	// C(n−c, k)/C(n, k) = Π_{i=n−c+1}^{n} (1 − k/i), numerically stable.
	prod := 1.0
	for i := n - c + 1; i <= n; i++ {
		prod *= 1 - float64(k)/float64(i)
	}
	return 1 - prod
}

// PassHatK is the estimator of pass^k (τ-bench, Yao et al. 2024): the
// probability that all of k samples drawn without replacement from n, of
// which c are correct, are correct,
//
//	pass^k = C(c, k) / C(n, k).
//
// k must be in 1..n; it returns NaN otherwise.
func PassHatK(n, c, k int) float64 {
	if k < 1 || k > n || c < 0 || c > n {
		return math.NaN()
	}
	if c < k {
		return 0
	}
	prod := 1.0
	for i := range k {
		prod *= float64(c-i) / float64(n-i)
	}
	return prod
}

// NewcombeDiff returns Newcombe's hybrid score interval for the difference
// p₁ − p₂ of two independent proportions k1/n1 and k2/n2 (method 10 of
// Newcombe 1998, "Interval estimation for the difference between
// independent proportions: comparison of eleven methods"). With [l₁, u₁] and
// [l₂, u₂] the Wilson intervals of the two proportions,
//
//	lo = p₁ − p₂ − sqrt((p₁ − l₁)² + (u₂ − p₂)²)
//	hi = p₁ − p₂ + sqrt((u₁ − p₁)² + (p₂ − l₂)²)
//
// It stays within [−1, 1] and behaves at 0 and n successes. A side with no
// trials knows nothing: the interval is [−1, 1].
func NewcombeDiff(k1, n1, k2, n2 int, conf float64) Interval {
	if n1 <= 0 || n2 <= 0 {
		return Interval{-1, 1}
	}
	p1, p2 := float64(k1)/float64(n1), float64(k2)/float64(n2)
	w1, w2 := Wilson(k1, n1, conf), Wilson(k2, n2, conf)
	d := p1 - p2
	return Interval{
		Lo: math.Max(-1, d-math.Hypot(p1-w1.Lo, w2.Hi-p2)),
		Hi: math.Min(1, d+math.Hypot(w1.Hi-p1, p2-w2.Lo)),
	}
}

// newRNG is the generator every bootstrap draws from.
func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)) }

// resampleMean returns the mean of len(xs) values drawn from xs with
// replacement.
func resampleMean(rng *rand.Rand, xs []float64) float64 {
	n := len(xs)
	var s float64
	for range n {
		s += xs[rng.IntN(n)]
	}
	return s / float64(n)
}

// percentiles returns the central conf interval of the sorted statistics.
func percentiles(stats []float64, conf float64) Interval {
	slices.Sort(stats)
	alpha := (1 - conf) / 2
	return Interval{quantileSorted(stats, alpha), quantileSorted(stats, 1-alpha)}
}

// BootstrapGroups returns the percentile-bootstrap interval at level conf
// of a statistic of the means of several independent samples: each of reps
// replicates resamples every group within itself (a stratified bootstrap)
// and applies stat to the groups' means, in order. It is deterministic in
// seed; reps below 100 are raised to 100. An empty group gives NaN bounds.
// stat must not keep its argument.
func BootstrapGroups(groups [][]float64, conf float64, reps int, seed uint64, stat func(means []float64) float64) Interval {
	if len(groups) == 0 || slices.ContainsFunc(groups, func(g []float64) bool { return len(g) == 0 }) {
		return Interval{math.NaN(), math.NaN()}
	}
	reps = max(reps, 100)
	rng := newRNG(seed)
	means := make([]float64, len(groups))
	out := make([]float64, reps)
	for r := range out {
		for g, xs := range groups {
			means[g] = resampleMean(rng, xs)
		}
		out[r] = stat(means)
	}
	return percentiles(out, conf)
}

// BootstrapDiff returns the percentile-bootstrap interval of mean(xs) −
// mean(ys) for two independent samples at level conf (BootstrapGroups of
// the two).
func BootstrapDiff(xs, ys []float64, conf float64, reps int, seed uint64) Interval {
	return BootstrapGroups([][]float64{xs, ys}, conf, reps, seed, func(m []float64) float64 { return m[0] - m[1] })
}

// BootstrapMeanOfMeans returns the stratified percentile-bootstrap interval
// of the unweighted mean of the groups' means (a macro average, such as a
// success rate averaged over a suite's envs). Empty groups are left out;
// with none left the bounds are NaN.
func BootstrapMeanOfMeans(groups [][]float64, conf float64, reps int, seed uint64) Interval {
	var gs [][]float64
	for _, g := range groups {
		if len(g) > 0 {
			gs = append(gs, g)
		}
	}
	return BootstrapGroups(gs, conf, reps, seed, Average)
}

// Average returns the mean of xs (NaN with no values).
func Average(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// Quantile returns the q-quantile of xs (0 ≤ q ≤ 1), interpolating linearly
// between order statistics (type 7 of Hyndman and Fan, R's and NumPy's
// default). xs is not modified; with no values it is NaN.
func Quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 || math.IsNaN(q) {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return quantileSorted(s, math.Min(1, math.Max(0, q)))
}

// PointBiserial returns the point-biserial correlation between a
// continuous variable xs and a binary one ys (the Pearson correlation of xs
// with ys coded 0 and 1):
//
//	r = (M₁ − M₀) / s · sqrt(p·q)
//
// with M₁ and M₀ the means of xs where ys is true and false, s the
// population standard deviation of xs, p the share of true and q = 1 − p.
// It is NaN when it is undefined: fewer than two values, ys all equal, or xs
// constant. It panics if the lengths differ.
func PointBiserial(xs []float64, ys []bool) float64 {
	if len(xs) != len(ys) {
		panic("stats: PointBiserial of slices of different lengths")
	}
	n := len(xs)
	var sum1, sum0 float64
	var n1 int
	var mean float64
	for i, x := range xs {
		mean += x
		if ys[i] {
			sum1 += x
			n1++
		} else {
			sum0 += x
		}
	}
	n0 := n - n1
	if n < 2 || n1 == 0 || n0 == 0 {
		return math.NaN()
	}
	mean /= float64(n)
	var ss float64
	for _, x := range xs {
		d := x - mean
		ss += d * d
	}
	sd := math.Sqrt(ss / float64(n))
	if sd == 0 {
		return math.NaN()
	}
	p := float64(n1) / float64(n)
	r := (sum1/float64(n1) - sum0/float64(n0)) / sd * math.Sqrt(p*(1-p))
	return math.Max(-1, math.Min(1, r))
}

// CorrelationP returns the two-sided p-value of a Pearson (or
// point-biserial) correlation r over n pairs under the null hypothesis of
// no correlation, from t = r·sqrt((n−2)/(1−r²)) on n−2 degrees of freedom.
// It is NaN for n < 3 or an undefined r.
func CorrelationP(r float64, n int) float64 {
	if n < 3 || math.IsNaN(r) {
		return math.NaN()
	}
	if math.Abs(r) >= 1 {
		return 0
	}
	df := float64(n - 2)
	t := math.Abs(r) * math.Sqrt(df/(1-r*r))
	return 2 * (1 - StudentCDF(t, df))
}
