package toolcall

import (
	"fmt"
	"math/rand/v2"
	"sort"
)

var cities = []string{"LIS", "BER", "CDG", "JFK", "NRT", "SFO", "MAD", "AMS", "FCO", "YYZ"}
var travelDays = []string{"2027-02-03", "2027-02-04", "2027-02-05"}

var travelDomain = &domain{
	name: "travel", title: "Travel",
	tools: func() []*tool {
		iata := `{"type":"string","pattern":"^[A-Z]{3}$","description":"IATA airport code"}`
		return []*tool{
			newTool("search_flights", "Search flights between two airports on a date. Returns id, price and free seats, cheapest first.",
				schema(map[string]string{"origin": iata, "destination": iata, "date": `{"type":"string","pattern":"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}`}, "origin", "destination", "date"),
				func(w World, a args) (any, error) {
					out := []map[string]any{}
					for _, k := range w.sortedKeys("flights") {
						f := w["flights"][k]
						if f["origin"] == a.str("origin") && f["destination"] == a.str("destination") && f["date"] == a.str("date") {
							out = append(out, map[string]any{"flight_id": k, "departure": f["departure"], "price": f["price"], "seats": f["seats"]})
						}
					}
					sort.SliceStable(out, func(i, j int) bool { return out[i]["price"].(float64) < out[j]["price"].(float64) })
					return map[string]any{"flights": out}, nil
				}),
			newTool("book_flight", "Book one seat on a flight for a passenger. Fails if the flight is full.",
				schema(map[string]string{"flight_id": `{"type":"string","pattern":"^FL-[0-9]+$"}`, "passenger": `{"type":"string","minLength":3,"description":"passenger's full name"}`}, "flight_id", "passenger"),
				func(w World, a args) (any, error) {
					f, ok := w["flights"][a.str("flight_id")]
					if !ok {
						return nil, fail("no flight %q", a.str("flight_id"))
					}
					if f["seats"].(float64) < 1 {
						return nil, fail("flight %s is fully booked", a.str("flight_id"))
					}
					f["seats"] = f["seats"].(float64) - 1
					id := hashID(w, "bookings", "BK", a.str("flight_id"), a.str("passenger"))
					w.table("bookings")[id] = Rec{"flight_id": a.str("flight_id"), "passenger": a.str("passenger")}
					return map[string]any{"booking_id": id, "flight_id": a.str("flight_id"), "price": f["price"]}, nil
				}),
			newTool("cancel_booking", "Cancel a booking, freeing its seat.",
				schema(map[string]string{"booking_id": `{"type":"string","pattern":"^BK-[0-9-]+$"}`}, "booking_id"),
				func(w World, a args) (any, error) {
					bk, ok := w["bookings"][a.str("booking_id")]
					if !ok {
						return nil, fail("no booking %q", a.str("booking_id"))
					}
					if f, ok := w["flights"][bk["flight_id"].(string)]; ok {
						f["seats"] = f["seats"].(float64) + 1
					}
					delete(w["bookings"], a.str("booking_id"))
					return map[string]any{"cancelled": a.str("booking_id")}, nil
				}),
		}
	},
	seed: func(r *rand.Rand, w World) {
		t := w.table("flights")
		n := 200 + r.IntN(700)
		perm := r.Perm(len(cities))
		for i := range 4 {
			o, d := cities[perm[2*i]], cities[perm[2*i+1]]
			day := travelDays[r.IntN(len(travelDays))]
			rank := r.Perm(3) // distinct price bands: "the cheapest" is never a tie
			for j := range 3 {
				seats := float64(1 + r.IntN(9))
				if j == 1 {
					seats = 0
				}
				t[fmt.Sprintf("FL-%d", n)] = Rec{"origin": o, "destination": d, "date": day, "departure": fmt.Sprintf("%02d:%02d", 6+5*j+r.IntN(4), 5*r.IntN(12)), "price": float64(90 + 150*rank[j] + 10*r.IntN(15)), "seats": seats}
				n += 1 + r.IntN(9)
			}
		}
	},
	single: func(b *builder) {
		fl := b.unused("flights", func(r Rec) bool { return r["seats"].(float64) >= 1 })
		if b.err != nil {
			return
		}
		p := people(b.r, 1)[0]
		b.ask(pick(b.r, []string{"Book a seat on flight %[1]s for %[2]s and give me the booking id.", "Please reserve flight %[1]s for passenger %[2]s; what's the booking reference?"}), fl, p)
		res := b.call("book_flight", map[string]any{"flight_id": fl, "passenger": p}, false)
		id, _ := res["booking_id"].(string)
		b.say("Booked %s on %s: booking %s.", p, fl, id)
		b.fact(idFact("booking id", id))
	},
	multi: func(b *builder) {
		fl := b.unused("flights", func(r Rec) bool { return r["seats"].(float64) >= 1 })
		if b.err != nil {
			return
		}
		f := b.w["flights"][fl]
		// the cheapest flight with a free seat on that route and day
		best := ""
		for _, k := range b.w.sortedKeys("flights") {
			g := b.w["flights"][k]
			if g["origin"] == f["origin"] && g["destination"] == f["destination"] && g["date"] == f["date"] && g["seats"].(float64) >= 1 {
				if best == "" || g["price"].(float64) < b.w["flights"][best]["price"].(float64) {
					best = k
				}
			}
		}
		for _, k := range b.w.sortedKeys("flights") {
			g := b.w["flights"][k]
			if g["origin"] == f["origin"] && g["destination"] == f["destination"] {
				b.used["flights/"+k] = true
			}
		}
		p := people(b.r, 1)[0]
		b.ask(pick(b.r, []string{"Book the cheapest flight with a free seat from %[1]s to %[2]s on %[3]s for %[4]s", "Find %[4]s the cheapest available flight %[1]s→%[2]s on %[3]s and book it"}), f["origin"], f["destination"], f["date"], p)
		b.call("search_flights", map[string]any{"origin": f["origin"], "destination": f["destination"], "date": f["date"]}, false)
		res := b.call("book_flight", map[string]any{"flight_id": best, "passenger": p}, false)
		price, _ := res["price"].(float64)
		b.ask("and tell me the fare.")
		b.say("Booked %s on %s (booking %v) for $%s.", p, best, res["booking_id"], amount(price))
		b.fact(numFact("fare", price))
	},
	recovery: func(b *builder) {
		full := b.unused("flights", func(r Rec) bool { return r["seats"].(float64) == 0 })
		alt := b.unused("flights", func(r Rec) bool { return r["seats"].(float64) >= 1 })
		if b.err != nil {
			return
		}
		p := people(b.r, 1)[0]
		b.ask("Book %s on flight %s; if it's full, book flight %s instead. Give me the booking id.", p, full, alt)
		b.call("book_flight", map[string]any{"flight_id": full, "passenger": p}, true)
		res := b.call("book_flight", map[string]any{"flight_id": alt, "passenger": p}, false)
		id, _ := res["booking_id"].(string)
		b.say("%s was full; %s is booked on %s as %s.", full, p, alt, id)
		b.fact(idFact("booking id", id))
	},
}

// (world seeding ensures the cheapest-with-seat rule of travel multi has an
// answer: every route has a flight with a free seat.)
