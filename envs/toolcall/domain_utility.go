package toolcall

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

// rates are the fixed exchange rates: units of the currency per US dollar.
// CHF is deliberately unsupported.
var rates = map[string]float64{"USD": 1, "EUR": 0.92, "GBP": 0.79, "JPY": 150, "CAD": 1.36, "AUD": 1.52, "INR": 83}
var currencies = []string{"USD", "EUR", "GBP", "JPY", "CAD", "AUD", "INR"}

// units maps a unit to its dimension and its size in the base unit (metre,
// kilogram, litre); temperatures are handled apart.
var units = map[string]struct {
	dim  string
	size float64
}{
	"m": {"length", 1}, "km": {"length", 1000}, "cm": {"length", 0.01}, "mi": {"length", 1609.344}, "ft": {"length", 0.3048}, "in": {"length", 0.0254},
	"kg": {"mass", 1}, "g": {"mass", 0.001}, "lb": {"mass", 0.45359237}, "oz": {"mass", 0.028349523125},
	"l": {"volume", 1}, "ml": {"volume", 0.001}, "gal": {"volume", 3.785411784},
	"C": {"temperature", 1}, "F": {"temperature", 1}, "K": {"temperature", 1},
}

var unitNames = []string{"m", "km", "cm", "mi", "ft", "in", "kg", "g", "lb", "oz", "l", "ml", "gal", "C", "F", "K"}

func convertUnits(v float64, from, to string) (float64, error) {
	f, ok := units[from]
	if !ok {
		return 0, fail("unknown unit %q; known: %s", from, strings.Join(unitNames, ", "))
	}
	t, ok := units[to]
	if !ok {
		return 0, fail("unknown unit %q; known: %s", to, strings.Join(unitNames, ", "))
	}
	if f.dim != t.dim {
		return 0, fail("cannot convert %s (%s) to %s (%s)", from, f.dim, to, t.dim)
	}
	if f.dim == "temperature" {
		k := v
		switch from {
		case "C":
			k = v + 273.15
		case "F":
			k = (v-32)*5/9 + 273.15
		}
		switch to {
		case "C":
			return k - 273.15, nil
		case "F":
			return (k-273.15)*9/5 + 32, nil
		}
		return k, nil
	}
	return v * f.size / t.size, nil
}

// round4 rounds to 4 decimals, the precision of the utility tools' results.
func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

var utilityDomain = &domain{
	name: "utility", title: "Utility",
	tools: func() []*tool {
		cur := `{"type":"string","pattern":"^[A-Z]{3}$","description":"ISO 4217 currency code"}`
		unit := `{"type":"string","minLength":1,"maxLength":8}`
		return []*tool{
			newTool("calculate", "Evaluate an arithmetic expression with + - * / ^ and parentheses; the result is rounded to 4 decimals.",
				schema(map[string]string{"expression": `{"type":"string","minLength":1,"maxLength":200}`}, "expression"),
				func(w World, a args) (any, error) {
					v, err := evalExpr(a.str("expression"))
					if err != nil {
						return nil, fail("%v", err)
					}
					return map[string]any{"expression": a.str("expression"), "result": round4(v)}, nil
				}),
			newTool("convert_units", "Convert a value between units of length (m km cm mi ft in), mass (kg g lb oz), volume (l ml gal) or temperature (C F K).",
				schema(map[string]string{"value": `{"type":"number"}`, "from_unit": unit, "to_unit": unit}, "value", "from_unit", "to_unit"),
				func(w World, a args) (any, error) {
					v, err := convertUnits(a.num("value"), a.str("from_unit"), a.str("to_unit"))
					if err != nil {
						return nil, err
					}
					return map[string]any{"value": round4(v), "unit": a.str("to_unit")}, nil
				}),
			newTool("convert_currency", "Convert an amount between currencies at fixed rates (USD EUR GBP JPY CAD AUD INR); rounded to cents.",
				schema(map[string]string{"amount": `{"type":"number","minimum":0}`, "from_currency": cur, "to_currency": cur}, "amount", "from_currency", "to_currency"),
				func(w World, a args) (any, error) {
					f, ok := rates[a.str("from_currency")]
					if !ok {
						return nil, fail("currency %s is not supported; supported: %s", a.str("from_currency"), strings.Join(currencies, ", "))
					}
					t, ok := rates[a.str("to_currency")]
					if !ok {
						return nil, fail("currency %s is not supported; supported: %s", a.str("to_currency"), strings.Join(currencies, ", "))
					}
					return map[string]any{"amount": money(a.num("amount") / f * t), "currency": a.str("to_currency")}, nil
				}),
		}
	},
	seed: func(r *rand.Rand, w World) {},
	single: func(b *builder) {
		switch b.r.IntN(3) {
		case 0:
			x, y, z := 12+b.r.IntN(900), 3+b.r.IntN(90), 2+b.r.IntN(9)
			expr := fmt.Sprintf("(%d + %d) * %d", x, y, z)
			b.ask(pick(b.r, []string{"What is (%d + %d) × %d?", "Compute (%d plus %d) times %d."}), x, y, z)
			res := b.call("calculate", map[string]any{"expression": expr}, false)
			v, _ := res["result"].(float64)
			b.say("(%d + %d) × %d = %s.", x, y, z, strconv.FormatFloat(v, 'f', -1, 64))
			b.fact(numFact("result", v))
		case 1:
			pairs := [][2]string{{"km", "mi"}, {"mi", "km"}, {"kg", "lb"}, {"lb", "kg"}, {"C", "F"}, {"F", "C"}, {"gal", "l"}, {"ft", "m"}}
			p := pick(b.r, pairs)
			v := float64(5 + b.r.IntN(200))
			b.ask("Convert %v %s to %s.", v, p[0], p[1])
			res := b.call("convert_units", map[string]any{"value": v, "from_unit": p[0], "to_unit": p[1]}, false)
			out, _ := res["value"].(float64)
			b.say("%v %s is %s %s.", v, p[0], strconv.FormatFloat(money(out), 'f', 2, 64), p[1])
			b.fact(numFact("converted value", out))
		default:
			from, to := pick(b.r, currencies), pick(b.r, currencies)
			for to == from {
				to = pick(b.r, currencies)
			}
			v := float64(10 * (1 + b.r.IntN(100)))
			b.ask("How much is %v %s in %s?", v, from, to)
			res := b.call("convert_currency", map[string]any{"amount": v, "from_currency": from, "to_currency": to}, false)
			out, _ := res["amount"].(float64)
			b.say("%v %s is %s %s.", v, from, amount(out), to)
			b.fact(numFact("converted amount", out))
		}
	},
	multi: func(b *builder) {
		from := pick(b.r, []string{"EUR", "GBP", "CAD", "AUD"})
		v := float64(50 * (1 + b.r.IntN(40)))
		n := 2 + b.r.IntN(5)
		b.ask("Convert %v %s to USD and split it evenly among %d people", v, from, n)
		res := b.call("convert_currency", map[string]any{"amount": v, "from_currency": from, "to_currency": "USD"}, false)
		usd, _ := res["amount"].(float64)
		res = b.call("calculate", map[string]any{"expression": fmt.Sprintf("%s / %d", strconv.FormatFloat(usd, 'f', -1, 64), n)}, false)
		share, _ := res["result"].(float64)
		b.ask("— how much does each person get?")
		b.say("%v %s is $%s; split %d ways that is $%s each.", v, from, amount(usd), n, amount(share))
		b.fact(numFact("share", share))
	},
	recovery: func(b *builder) {
		from := pick(b.r, []string{"USD", "EUR", "JPY"})
		v := float64(100 * (1 + b.r.IntN(30)))
		b.ask("Convert %v %s to CHF; if CHF isn't supported, convert it to GBP instead. What's the result?", v, from)
		b.call("convert_currency", map[string]any{"amount": v, "from_currency": from, "to_currency": "CHF"}, true)
		res := b.call("convert_currency", map[string]any{"amount": v, "from_currency": from, "to_currency": "GBP"}, false)
		out, _ := res["amount"].(float64)
		b.say("CHF is not supported; %v %s is %s GBP.", v, from, amount(out))
		b.fact(numFact("converted amount", out))
	},
}
