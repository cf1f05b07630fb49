// Package stats holds the small statistics dojo reports: Wilson score
// intervals for success rates, means with Student-t confidence intervals,
// percentile-bootstrap intervals, and the unbiased pass@k and pass^k
// estimators. Everything is deterministic: the bootstrap draws from a seeded
// PCG generator.
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
	return Interval{math.Max(0, center-half), math.Min(1, center+half)}
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
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	means := make([]float64, reps)
	for r := range means {
		var s float64
		for range n {
			s += xs[rng.IntN(n)]
		}
		means[r] = s / float64(n)
	}
	slices.Sort(means)
	alpha := (1 - conf) / 2
	return Interval{quantileSorted(means, alpha), quantileSorted(means, 1-alpha)}
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
