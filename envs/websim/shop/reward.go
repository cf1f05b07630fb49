package shop

import (
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file reproduces WebShop's reward (web_agent_site/engine/goal.py,
// get_reward): the type, attribute, option and price terms and the fuzzy
// matching they use. The package doc states the formulas and where they
// differ from WebShop's.

// score is WebShop's reward of a purchase with its parts (goal.py's
// verbose info).
type score struct {
	Total         float64 `json:"reward"`
	RType         float64 `json:"r_type"`
	QueryMatch    bool    `json:"query_match"`
	CategoryMatch bool    `json:"category_match"`
	TitleScore    float64 `json:"title_score"`
	AttMatches    int     `json:"attribute_matches"`
	OptMatches    int     `json:"option_matches"`
	PriceOK       bool    `json:"price_ok"`
	Attributes    int     `json:"goal_attributes"`
	Options       int     `json:"goal_options"`
}

// fuzzThreshold is WebShop's: a fuzzy match needs token_set_ratio > 85.
const fuzzThreshold = 85

// shopExactOptions are the option names matched exactly (WebShop's
// EXACT_MATCH_OPTS).
var shopExactOptions = []string{"size"}

// tokSet is a string as token_set_ratio sees it: its processed tokens,
// sorted, without repeats.
type tokSet []string

// goalPrep is what scoring needs of a goal, computed once: its breadcrumb
// levels and title nouns without repeats, and its attributes' and
// (color-normalized) option values' tokens.
type goalPrep struct {
	levels    []string
	nouns     []string
	attrToks  []tokSet
	values    []string
	valueToks []tokSet
}

func prepareGoal(g *goal) *goalPrep {
	gp := &goalPrep{levels: breadcrumbLevels(g.ProductCategory), nouns: uniqueStrings(g.Nouns)}
	for _, a := range g.Attributes {
		gp.attrToks = append(gp.attrToks, fuzzTokens(a))
	}
	for _, o := range g.Options {
		v := normalizeColor(o.Value)
		gp.values = append(gp.values, v)
		gp.valueToks = append(gp.valueToks, fuzzTokens(v))
	}
	return gp
}

// productPrep is what scoring needs of a product, computed when the
// catalog is made: its breadcrumb levels and title nouns without repeats,
// and its attributes' and normalized option values' tokens.
type productPrep struct {
	levels    []string
	nouns     []string
	attrToks  []tokSet
	valueToks [][]tokSet // per option, per value
}

func (p *product) prepare() {
	p.prep = productPrep{levels: breadcrumbLevels(p.ProductCategory), nouns: uniqueStrings(p.Nouns)}
	for _, a := range p.Attributes {
		p.prep.attrToks = append(p.prep.attrToks, fuzzTokens(a))
	}
	for _, o := range p.Options {
		toks := make([]tokSet, len(o.Values))
		for i, v := range o.Values {
			toks[i] = fuzzTokens(normalizeColor(v))
		}
		p.prep.valueToks = append(p.prep.valueToks, toks)
	}
}

// scorePurchase is WebShop's get_reward for buying p with the chosen
// options (option name and value, in any order) under goal g:
//
//	r = r_type · (attribute matches + option matches + [price ≤ upper]) / (|attributes| + |options| + 1)
func scorePurchase(p *product, g *goal, chosen []chosenOption) score {
	gp := prepareGoal(g)
	var s score
	s.RType, s.QueryMatch, s.CategoryMatch, s.TitleScore = typeReward(p, g, gp)
	for i, a := range g.Attributes {
		if attributeMatch(p, a, gp.attrToks[i]) {
			s.AttMatches++
		}
	}
	for _, c := range chosen {
		if optionMatch(p, gp, c) {
			s.OptMatches++
		}
	}
	s.OptMatches = min(s.OptMatches, len(g.Options))
	s.PriceOK = p.price() <= g.PriceUpper
	s.Attributes, s.Options = len(g.Attributes), len(g.Options)
	n := s.AttMatches + s.OptMatches
	if s.PriceOK {
		n++
	}
	s.Total = float64(n) / float64(s.Attributes+s.Options+1) * s.RType
	return s
}

// typeReward is WebShop's get_type_reward: whether the purchase is of the
// goal's kind, by query, by category (two breadcrumb levels in common) and
// by the share of the goal title's nouns found in the purchased title's.
func typeReward(p *product, g *goal, gp *goalPrep) (rType float64, queryMatch, categoryMatch bool, titleScore float64) {
	queryMatch = p.Query == g.Query
	common := 0
	for _, l := range p.prep.levels {
		if slices.Contains(gp.levels, l) {
			common++
		}
	}
	categoryMatch = common >= 2
	if len(g.Nouns) == 0 {
		titleScore = 0.2
	} else {
		inter := 0
		for _, n := range gp.nouns {
			if slices.Contains(p.prep.nouns, n) {
				inter++
			}
		}
		titleScore = float64(inter) / float64(len(g.Nouns))
	}
	rType = 1
	if !(queryMatch || categoryMatch || titleScore > 0.2) {
		rType = 0.5
	}
	if titleScore < 0.1 {
		rType = 0.1
	}
	if titleScore == 0 {
		rType = 0
	}
	return rType, queryMatch, categoryMatch, titleScore
}

// breadcrumbLevels splits a product category at "›" into its trimmed
// levels, without repeats.
func breadcrumbLevels(s string) []string {
	parts := strings.Split(s, "›")
	for i, x := range parts {
		parts[i] = strings.TrimSpace(x)
	}
	return uniqueStrings(parts)
}

// uniqueStrings returns xs without repeats, in first-seen order.
func uniqueStrings(xs []string) []string {
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// attributeMatch is WebShop's test of one goal attribute g (tokens gt) in
// get_attribute_reward: token_set_ratio with one of the product's
// attributes exceeds 85, or else g is a substring of the lower-cased
// title, features or description.
func attributeMatch(p *product, g string, gt tokSet) bool {
	for i, a := range p.Attributes {
		if a == g && len(gt) > 0 || tokenSetRatioOf(p.prep.attrToks[i], gt) > fuzzThreshold {
			return true
		}
	}
	return p.mentions(g)
}

// optionMatch is WebShop's test of one chosen option in get_option_reward:
// the color-normalized value is one of the goal's values for the exactly
// matched options (size), or has token_set_ratio > 85 with one of them for
// the others, or else it is a substring of the lower-cased title, features
// or description. (Summed over the chosen options, the matches are capped
// at the number of goal options, unlike WebShop's, so that r never exceeds
// 1.)
func optionMatch(p *product, gp *goalPrep, c chosenOption) bool {
	v := normalizeColor(c.Value)
	if slices.Contains(shopExactOptions, strings.ToLower(c.Name)) {
		if slices.Contains(gp.values, v) {
			return true
		}
	} else {
		vt := p.valueTokens(c)
		for i, gv := range gp.values {
			if gv == v && len(vt) > 0 || tokenSetRatioOf(gp.valueToks[i], vt) > fuzzThreshold {
				return true
			}
		}
	}
	return p.mentions(v)
}

// valueTokens returns the tokens of a chosen value, normalized.
func (p *product) valueTokens(c chosenOption) tokSet {
	for i, o := range p.Options {
		if o.Name == c.Name {
			if j := slices.Index(o.Values, c.Value); j >= 0 {
				return p.prep.valueToks[i][j]
			}
		}
	}
	return fuzzTokens(normalizeColor(c.Value))
}

// normalizeColor is WebShop's normalize_color: the first color of
// shopColorSet (alphabetical) that s contains, else s.
func normalizeColor(s string) string {
	for _, c := range shopColorSet {
		if strings.Contains(s, c) {
			return c
		}
	}
	return s
}

// tokenSetRatio is thefuzz's fuzz.token_set_ratio (full_process on, as
// WebShop calls it): both strings are processed (characters U+0080–U+00FF
// dropped, letters and digits kept lower-cased, everything else a space),
// split into token sets, and the best Indel similarity (in percent) of the
// sorted intersection against the intersection plus either difference, and
// of the two, is rounded half to even. A string without tokens scores 0;
// when one token set contains the other, 100.
func tokenSetRatio(a, b string) int { return tokenSetRatioOf(fuzzTokens(a), fuzzTokens(b)) }

// tokenSetRatioOf is tokenSetRatio of processed strings.
func tokenSetRatioOf(ta, tb tokSet) int {
	if len(ta) == 0 || len(tb) == 0 {
		return 0
	}
	var abBuf, baBuf [128]byte
	ab, ba := abBuf[:0], baBuf[:0]
	sectLen, nSect := 0, 0
	for i, j := 0, 0; i < len(ta) || j < len(tb); {
		switch {
		case j == len(tb) || i < len(ta) && ta[i] < tb[j]:
			ab = appendToken(ab, ta[i])
			i++
		case i == len(ta) || tb[j] < ta[i]:
			ba = appendToken(ba, tb[j])
			j++
		default:
			sectLen += len(ta[i])
			nSect++
			i++
			j++
		}
	}
	if nSect > 0 && (len(ab) == 0 || len(ba) == 0) {
		return 100
	}
	sep := 0
	if nSect > 0 {
		sectLen += nSect - 1 // the spaces between the intersection's tokens
		sep = 1
	}
	sectAB, sectBA := sectLen+sep+len(ab), sectLen+sep+len(ba)
	best := normDistance(indelDistance(ab, ba), sectAB+sectBA)
	if nSect > 0 {
		best = max(best, normDistance(sep+len(ab), sectLen+sectAB), normDistance(sep+len(ba), sectLen+sectBA))
	}
	return int(math.RoundToEven(best))
}

func appendToken(b []byte, t string) []byte {
	if len(b) > 0 {
		b = append(b, ' ')
	}
	return append(b, t...)
}

// normDistance is rapidfuzz's normalized similarity in percent of a
// distance over a length sum.
func normDistance(dist, lensum int) float64 {
	if lensum == 0 {
		return 100
	}
	return 100 - float64(100*dist)/float64(lensum)
}

// fuzzTokens processes s as thefuzz's full_process does and returns its
// tokens sorted, without repeats. A lower-case ASCII string's tokens are
// its substrings.
func fuzzTokens(s string) tokSet {
	simple := true
	for i := 0; i < len(s) && simple; i++ {
		c := s[i]
		simple = c < utf8.RuneSelf && !('A' <= c && c <= 'Z')
	}
	var toks []string
	if simple {
		toks = strings.FieldsFunc(s, func(r rune) bool { return !('a' <= r && r <= 'z' || '0' <= r && r <= '9') })
	} else {
		var b strings.Builder
		for _, r := range s {
			switch {
			case r >= 0x80 && r <= 0xFF:
				continue
			case unicode.IsLetter(r) || unicode.IsDigit(r):
				b.WriteRune(unicode.ToLower(r))
			default:
				b.WriteByte(' ')
			}
		}
		toks = strings.Fields(b.String())
	}
	slices.Sort(toks)
	return slices.Compact(toks)
}

// indelDistance is the number of insertions and deletions turning a into
// b (Levenshtein distance without substitutions): len(a) + len(b) − 2·LCS,
// compared byte by byte (processed catalog strings are ASCII).
func indelDistance(a, b []byte) int {
	if len(a) < len(b) {
		a, b = b, a
	}
	var buf [2 * 129]int
	var prev, cur []int
	if len(b) < 129 {
		prev, cur = buf[:len(b)+1], buf[129:129+len(b)+1]
	} else {
		prev, cur = make([]int, len(b)+1), make([]int, len(b)+1)
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			switch {
			case a[i-1] == b[j-1]:
				cur[j] = prev[j-1] + 1
			case prev[j] >= cur[j-1]:
				cur[j] = prev[j]
			default:
				cur[j] = cur[j-1]
			}
		}
		prev, cur = cur, prev
	}
	return len(a) + len(b) - 2*prev[len(b)]
}
