package family

import (
	"fmt"

	"github.com/dojo-rl/dojo"
)

// Names of the options declared here.
const (
	InvalidActionOption = "invalid_action"
	MaxInvalidOption    = "max_invalid"
	TextOption          = "text"
)

// Values of option invalid_action.
const (
	Penalize  = "penalize"
	Terminate = "terminate"
)

// InvalidText holds the words of the invalid-action options that differ
// between envs: what counts as invalid and what it does.
type InvalidText struct {
	// Penalize says what an invalid action does under penalize: "an
	// invalid call returns an error result and scores invalid=-1".
	Penalize string
	// Terminate says when terminate ends the episode: "once max_invalid
	// calls were invalid".
	Terminate string
	// Action, when set, is the whole description of invalid_action in
	// place of the one made of Penalize and Terminate.
	Action string
	// Counted names what max_invalid counts: "invalid calls".
	Counted string
	// Ends is the verb of max_invalid's description: "terminates" when
	// empty.
	Ends string
	// Max is max_invalid's largest value.
	Max float64
}

// InvalidOptions returns the options invalid_action (a string, "penalize"
// by default, or "terminate") and max_invalid (an int in [1, t.Max], 1 by
// default), described with t's words:
//
//	invalid_action: "penalize: <Penalize>; terminate: as penalize, and the
//	                 episode terminates as a failure <Terminate>" (or Action)
//	max_invalid:    "with invalid_action=terminate, the number of <Counted>
//	                 that <Ends> the episode"
func InvalidOptions(t InvalidText) []dojo.Option {
	action := t.Action
	if action == "" {
		action = "penalize: " + t.Penalize + "; terminate: as penalize, and the episode terminates as a failure " + t.Terminate
	}
	ends := t.Ends
	if ends == "" {
		ends = "terminates"
	}
	return []dojo.Option{
		{Name: InvalidActionOption, Type: dojo.OptString, Default: Penalize, Choices: []string{Penalize, Terminate},
			Description: action},
		dojo.Option{Name: MaxInvalidOption, Type: dojo.OptInt, Default: 1,
			Description: "with invalid_action=terminate, the number of " + t.Counted + " that " + ends + " the episode"}.Range(1, t.Max),
	}
}

// Text returns the option text (a bool, false by default) with the
// description desc: what the env adds to its observations in words.
func Text(desc string) dojo.Option {
	return dojo.Option{Name: TextOption, Type: dojo.OptBool, Default: false, Description: desc}
}

// Policy is the invalid-action policy of options invalid_action and
// max_invalid.
type Policy struct {
	Terminate bool // invalid_action=terminate
	Max       int  // max_invalid, at least 1
}

// NewPolicy reads the policy from resolved options (a max_invalid below 1
// counts as 1).
func NewPolicy(o dojo.Options) Policy {
	return Policy{Terminate: o.String(InvalidActionOption) == Terminate, Max: max(1, o.Int(MaxInvalidOption))}
}

// Ends reports whether the episode ends, as a failure, with n invalid
// actions so far: under terminate when n ≥ Max, under penalize never. The
// step whose invalid action makes n reach Max is the last one.
func (p Policy) Ends(n int) bool { return p.Terminate && n >= p.Max }

// MaxCallsOption names the option bounding the tool calls of one turn.
const MaxCallsOption = "max_calls_per_turn"

// DefaultMaxCalls is max_calls_per_turn's default.
const DefaultMaxCalls = 32

// MaxCalls returns the option max_calls_per_turn (an int in [1, 1000],
// DefaultMaxCalls by default): the calls of one turn past it are refused
// as invalid, unrun (see Refusal).
func MaxCalls() dojo.Option {
	return dojo.Option{Name: MaxCallsOption, Type: dojo.OptInt, Default: DefaultMaxCalls,
		Description: "tool calls run per turn; each call past it is refused as an invalid call, unrun"}.Range(1, 1000)
}

// Refusal is the error of call i (0-based) of a turn of n calls when at
// most max run: "call 33 of 40 refused: max_calls_per_turn is 32".
func Refusal(i, n, max int) string {
	return fmt.Sprintf("call %d of %d refused: %s is %d", i+1, n, MaxCallsOption, max)
}

// Refusals sums up the refusals of a turn of n calls past max in one
// error: "calls 33 to 40 of 40 refused: max_calls_per_turn is 32".
func Refusals(n, max int) string {
	if n == max+1 {
		return Refusal(max, n, max)
	}
	return fmt.Sprintf("calls %d to %d of %d refused: %s is %d", max+1, n, n, MaxCallsOption, max)
}
