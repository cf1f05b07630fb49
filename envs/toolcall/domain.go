package toolcall

import (
	"fmt"
	"math/rand/v2"

	"github.com/dojo-rl/dojo"
)

// domain is a tool world: its tools, how to seed its tables, and its task
// intents. Each intent asks for something, runs the gold calls on the
// builder's world and states the facts of the answer.
type domain struct {
	name  string // bank
	title string // Bank (the env id's name)
	tools func() []*tool
	seed  func(r *rand.Rand, w World)
	// single makes one call; multi makes a lookup whose result feeds the
	// next call; recovery makes a first call that fails, then the
	// correction.
	single, multi, recovery func(b *builder)
}

// domains are the tool worlds, in a fixed order (set in init to break the
// initialisation cycle through the back ends).
var domains []*domain

func init() {
	domains = []*domain{bankDomain, calendarDomain, shopDomain, travelDomain, filesDomain, contactsDomain, utilityDomain}
}

func domainByName(name string) *domain {
	for _, d := range domains {
		if d.name == name {
			return d
		}
	}
	return nil
}

func newTool(name, desc string, s []byte, run func(World, args) (any, error)) *tool {
	return &tool{Tool: dojo.Tool{Name: name, Description: desc, InputSchema: s}, run: run}
}

const (
	strS   = `{"type":"string","minLength":1}`
	moneyS = `{"type":"number","exclusiveMinimum":0,"maximum":1000000}`
)

func descS(typ, desc string) string { return fmt.Sprintf(`{"type":%q,"description":%q}`, typ, desc) }
