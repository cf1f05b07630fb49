package toolcall

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

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

// ---------------------------------------------------------------- bank

var bankDomain = &domain{
	name: "bank", title: "Bank",
	tools: func() []*tool {
		return []*tool{
			newTool("find_accounts", "Find the bank accounts of a customer by (part of) their name. Returns each account's id, type and balance.",
				schema(map[string]string{"owner": `{"type":"string","minLength":1,"description":"the customer's name"}`}, "owner"),
				func(w World, a args) (any, error) {
					q := lower(a.str("owner"))
					var out []map[string]any
					for _, k := range w.sortedKeys("accounts") {
						r := w["accounts"][k]
						if strings.Contains(lower(r["owner"].(string)), q) {
							out = append(out, map[string]any{"account_id": k, "owner": r["owner"], "type": r["type"], "balance": r["balance"]})
						}
					}
					if len(out) == 0 {
						return nil, fail("no account owned by anyone named %q", a.str("owner"))
					}
					return map[string]any{"accounts": out}, nil
				}),
			newTool("get_balance", "Get the balance and per-transfer limit of an account.",
				schema(map[string]string{"account_id": `{"type":"string","pattern":"^ACC-[0-9]+$","description":"account id, e.g. ACC-1001"}`}, "account_id"),
				func(w World, a args) (any, error) {
					r, ok := w["accounts"][a.str("account_id")]
					if !ok {
						return nil, fail("no account %q", a.str("account_id"))
					}
					return map[string]any{"account_id": a.str("account_id"), "balance": r["balance"], "transfer_limit": r["limit"]}, nil
				}),
			newTool("transfer", "Transfer money between two accounts. Fails if the source lacks the funds or the amount exceeds the source's per-transfer limit.",
				schema(map[string]string{
					"from_account": `{"type":"string","pattern":"^ACC-[0-9]+$","description":"source account id"}`,
					"to_account":   `{"type":"string","pattern":"^ACC-[0-9]+$","description":"destination account id"}`,
					"amount":       `{"type":"number","exclusiveMinimum":0,"maximum":1000000,"description":"amount in dollars"}`,
				}, "from_account", "to_account", "amount"),
				func(w World, a args) (any, error) {
					from, to, amt := a.str("from_account"), a.str("to_account"), money(a.num("amount"))
					src, ok := w["accounts"][from]
					if !ok {
						return nil, fail("no account %q", from)
					}
					dst, ok := w["accounts"][to]
					if !ok {
						return nil, fail("no account %q", to)
					}
					if from == to {
						return nil, fail("source and destination are the same account %s", from)
					}
					if amt <= 0 {
						return nil, fail("amount %v rounds to zero cents", a.num("amount"))
					}
					if lim := src["limit"].(float64); amt > lim {
						return nil, fail("amount %s exceeds the per-transfer limit %s of %s", amount(amt), amount(lim), from)
					}
					if bal := src["balance"].(float64); amt > bal {
						return nil, fail("insufficient funds: %s holds %s, the transfer needs %s", from, amount(bal), amount(amt))
					}
					src["balance"] = money(src["balance"].(float64) - amt)
					dst["balance"] = money(dst["balance"].(float64) + amt)
					return map[string]any{"from_account": from, "to_account": to, "amount": amt, "from_balance": src["balance"], "to_balance": dst["balance"]}, nil
				}),
		}
	},
	seed: func(r *rand.Rand, w World) {
		t := w.table("accounts")
		n := 1001 + r.IntN(8000)
		for _, owner := range people(r, 5) {
			t[fmt.Sprintf("ACC-%d", n)] = Rec{"owner": owner, "type": "checking", "balance": money(float64(100+r.IntN(800)) + float64(r.IntN(100))/100), "limit": float64(1000 + 500*r.IntN(3))}
			t[fmt.Sprintf("ACC-%d", n+1)] = Rec{"owner": owner, "type": "savings", "balance": money(float64(2000+r.IntN(6000)) + float64(r.IntN(100))/100), "limit": float64(1500 + 500*r.IntN(3))}
			n += 2 + r.IntN(40)
		}
	},
	single: func(b *builder) {
		from := b.unused("accounts", nil)
		to := b.unused("accounts", nil)
		if b.err != nil {
			return
		}
		src := b.w["accounts"][from]
		amt := float64(10 * (1 + b.r.IntN(int(min(src["balance"].(float64), src["limit"].(float64))/10))))
		b.ask(pick(b.r, []string{"Transfer $%[3]s from account %[1]s to account %[2]s.", "Please send %[3]s dollars from %[1]s to %[2]s.", "Move $%[3]s from %[1]s into %[2]s."}), from, to, amount(amt))
		res := b.call("transfer", map[string]any{"from_account": from, "to_account": to, "amount": amt}, false)
		bal, _ := res["from_balance"].(float64)
		b.ask("Tell me the new balance of %s.", from)
		b.say("Transferred $%s from %s to %s; the new balance of %s is $%s.", amount(amt), from, to, from, amount(bal))
		b.fact(numFact("balance of "+from, bal))
	},
	multi: func(b *builder) {
		from := b.unused("accounts", func(r Rec) bool { return r["type"] == "savings" })
		to := b.unused("accounts", func(r Rec) bool { return r["type"] == "checking" })
		if b.err != nil {
			return
		}
		src, dst := b.w["accounts"][from], b.w["accounts"][to]
		if src["owner"] == dst["owner"] {
			b.used["accounts/"+to] = false
			to = b.unused("accounts", func(r Rec) bool { return r["type"] == "checking" && r["owner"] != src["owner"] })
			if b.err != nil {
				return
			}
			dst = b.w["accounts"][to]
		}
		amt := float64(50 * (1 + b.r.IntN(int(min(src["balance"].(float64), src["limit"].(float64))/50))))
		b.ask(pick(b.r, []string{"Send $%[3]s from %[1]s's savings account to %[2]s's checking account", "I need %[3]s dollars moved from the savings account of %[1]s to the checking account of %[2]s"}), src["owner"], dst["owner"], amount(amt))
		b.call("find_accounts", map[string]any{"owner": src["owner"]}, false)
		b.call("find_accounts", map[string]any{"owner": dst["owner"]}, false)
		res := b.call("transfer", map[string]any{"from_account": from, "to_account": to, "amount": amt}, false)
		bal, _ := res["to_balance"].(float64)
		b.ask("and tell me %s's new checking balance.", dst["owner"])
		b.say("Moved $%s from %s (%s) to %s (%s); %s's checking balance is now $%s.", amount(amt), from, src["owner"], to, dst["owner"], dst["owner"], amount(bal))
		b.fact(numFact("balance of "+to, bal))
	},
	recovery: func(b *builder) {
		chk := b.unused("accounts", func(r Rec) bool { return r["type"] == "checking" })
		if b.err != nil {
			return
		}
		owner := b.w["accounts"][chk]["owner"]
		var sav string
		for _, k := range b.w.sortedKeys("accounts") {
			if r := b.w["accounts"][k]; r["owner"] == owner && r["type"] == "savings" {
				sav = k
			}
		}
		b.used["accounts/"+sav] = true
		to := b.unused("accounts", func(r Rec) bool { return r["owner"] != owner })
		if b.err != nil || sav == "" {
			return
		}
		c, s := b.w["accounts"][chk], b.w["accounts"][sav]
		lo := c["balance"].(float64)
		hi := min(s["balance"].(float64), s["limit"].(float64), c["limit"].(float64))
		amt := float64(int(lo)+1) + float64(b.r.IntN(max(1, int(hi-lo)-1)))
		b.ask("Pay $%s to account %s from my checking account %s; if checking doesn't have enough, use my savings account %s instead. What is left in the account you used?", amount(amt), to, chk, sav)
		b.call("transfer", map[string]any{"from_account": chk, "to_account": to, "amount": amt}, true)
		res := b.call("transfer", map[string]any{"from_account": sav, "to_account": to, "amount": amt}, false)
		bal, _ := res["from_balance"].(float64)
		b.say("Checking %s lacked the funds, so I paid $%s from savings %s to %s; %s now holds $%s.", chk, amount(amt), sav, to, sav, amount(bal))
		b.fact(numFact("balance of "+sav, bal))
	},
}

// ---------------------------------------------------------------- calendar

// zones are the time zones the calendar knows, as fixed offsets in minutes
// (standard time: the calendar's weeks are in January, before any DST).
var zones = map[string]int{"UTC": 0, "Europe/London": 0, "Europe/Paris": 60, "Europe/Athens": 120, "America/New_York": -300, "America/Los_Angeles": -480, "Asia/Tokyo": 540}
var zoneNames = []string{"UTC", "Europe/London", "Europe/Paris", "Europe/Athens", "America/New_York", "America/Los_Angeles", "Asia/Tokyo"}

var calDays = []string{"2027-01-11", "2027-01-12", "2027-01-13", "2027-01-14", "2027-01-15"}

const calLayout = "2006-01-02T15:04Z"

func zoneEnum() string {
	return `{"type":"string","enum":["` + strings.Join(zoneNames, `","`) + `"],"description":"IANA time zone of date and start"}`
}

// utcStart converts a local date and HH:MM in zone to UTC.
func utcStart(date, hm, zone string) (time.Time, error) {
	t, err := time.Parse("2006-01-02 15:04", date+" "+hm)
	if err != nil {
		return time.Time{}, fail("date %q and start %q are not a valid YYYY-MM-DD date and HH:MM time", date, hm)
	}
	off, ok := zones[zone]
	if !ok {
		return time.Time{}, fail("unknown time zone %q", zone)
	}
	return t.Add(-time.Duration(off) * time.Minute), nil
}

// conflict returns an event other than skip overlapping [s, e).
func conflict(w World, s, e time.Time, skip string) string {
	for _, k := range w.sortedKeys("events") {
		if k == skip {
			continue
		}
		r := w["events"][k]
		es, _ := time.Parse(calLayout, r["start"].(string))
		ee, _ := time.Parse(calLayout, r["end"].(string))
		if s.Before(ee) && es.Before(e) {
			return fmt.Sprintf("%s (%q, %s to %s UTC)", k, r["title"], es.Format("2006-01-02 15:04"), ee.Format("15:04"))
		}
	}
	return ""
}

var calTitles = []string{"Team sync", "Budget review", "Dentist", "1:1 with Priya", "Design critique", "Lunch with Sam", "Quarterly planning", "Yoga class", "Customer call", "Interview", "Code review", "Board prep"}

var calendarDomain = &domain{
	name: "calendar", title: "Calendar",
	tools: func() []*tool {
		dateS := `{"type":"string","pattern":"^[0-9]{4}-[0-9]{2}-[0-9]{2}$","description":"date, YYYY-MM-DD"}`
		hmS := `{"type":"string","pattern":"^([01][0-9]|2[0-3]):[0-5][0-9]$","description":"start time, HH:MM (24 h)"}`
		return []*tool{
			newTool("list_events", "List the events starting on a date (UTC), with ids, titles and UTC times.",
				schema(map[string]string{"date": dateS}, "date"),
				func(w World, a args) (any, error) {
					out := []map[string]any{}
					for _, k := range w.sortedKeys("events") {
						r := w["events"][k]
						if strings.HasPrefix(r["start"].(string), a.str("date")) {
							out = append(out, map[string]any{"event_id": k, "title": r["title"], "start": r["start"], "end": r["end"]})
						}
					}
					sort.Slice(out, func(i, j int) bool { return out[i]["start"].(string) < out[j]["start"].(string) })
					return map[string]any{"date": a.str("date"), "events": out}, nil
				}),
			newTool("create_event", "Create an event at a local date and time in a time zone; stored in UTC. Fails if it overlaps another event.",
				schema(map[string]string{"title": strS, "date": dateS, "start": hmS, "timezone": zoneEnum(),
					"duration_minutes": `{"type":"integer","minimum":15,"maximum":480}`}, "title", "date", "start", "duration_minutes", "timezone"),
				func(w World, a args) (any, error) {
					s, err := utcStart(a.str("date"), a.str("start"), a.str("timezone"))
					if err != nil {
						return nil, err
					}
					e := s.Add(time.Duration(a.num("duration_minutes")) * time.Minute)
					if c := conflict(w, s, e, ""); c != "" {
						return nil, fail("conflicts with %s", c)
					}
					id := hashID(w, "events", "EV", a.str("title"), s.Format(calLayout))
					w.table("events")[id] = Rec{"title": a.str("title"), "start": s.Format(calLayout), "end": e.Format(calLayout)}
					return map[string]any{"event_id": id, "start": s.Format(calLayout), "end": e.Format(calLayout)}, nil
				}),
			newTool("move_event", "Move an event to a new local date and start time in a time zone, keeping its duration. Fails if the new time overlaps another event.",
				schema(map[string]string{"event_id": `{"type":"string","pattern":"^EV-[0-9-]+$"}`, "date": dateS, "start": hmS, "timezone": zoneEnum()}, "event_id", "date", "start", "timezone"),
				func(w World, a args) (any, error) {
					id := a.str("event_id")
					r, ok := w["events"][id]
					if !ok {
						return nil, fail("no event %q", id)
					}
					s, err := utcStart(a.str("date"), a.str("start"), a.str("timezone"))
					if err != nil {
						return nil, err
					}
					os, _ := time.Parse(calLayout, r["start"].(string))
					oe, _ := time.Parse(calLayout, r["end"].(string))
					e := s.Add(oe.Sub(os))
					if c := conflict(w, s, e, id); c != "" {
						return nil, fail("conflicts with %s", c)
					}
					r["start"], r["end"] = s.Format(calLayout), e.Format(calLayout)
					return map[string]any{"event_id": id, "start": r["start"], "end": r["end"]}, nil
				}),
			newTool("delete_event", "Delete an event.",
				schema(map[string]string{"event_id": `{"type":"string","pattern":"^EV-[0-9-]+$"}`}, "event_id"),
				func(w World, a args) (any, error) {
					if _, ok := w["events"][a.str("event_id")]; !ok {
						return nil, fail("no event %q", a.str("event_id"))
					}
					delete(w["events"], a.str("event_id"))
					return map[string]any{"deleted": a.str("event_id")}, nil
				}),
		}
	},
	seed: func(r *rand.Rand, w World) {
		t := w.table("events")
		titles := r.Perm(len(calTitles))
		for i := range 7 {
			day := calDays[i%len(calDays)]
			h := 8 + 2*r.IntN(5) // 8,10,..16: two hours apart per day, never overlapping
			for {
				clash := false
				for _, e := range t {
					if e["start"] == fmt.Sprintf("%sT%02d:00Z", day, h) {
						clash = true
					}
				}
				if !clash {
					break
				}
				h = 8 + (h-8+2)%10
			}
			s, _ := time.Parse(calLayout, fmt.Sprintf("%sT%02d:00Z", day, h))
			e := s.Add(time.Duration(30+30*r.IntN(2)) * time.Minute)
			t[fmt.Sprintf("EV-%d", 100+i*7+r.IntN(7))] = Rec{"title": calTitles[titles[i]], "start": s.Format(calLayout), "end": e.Format(calLayout)}
		}
	},
	single: func(b *builder) {
		title := pick(b.r, []string{"Vendor demo", "Sprint retro", "Coffee with Ines", "Tax advisor", "Offsite planning"}) + " " + pick(b.r, []string{"A", "B", "C", "II", "2027"})
		s, zone, local := freeSlot(b, 60)
		date, hm := local.Format("2006-01-02"), local.Format("15:04")
		b.ask(pick(b.r, []string{"Schedule %[1]q on %[2]s at %[3]s %[4]s for an hour.", "Put %[1]q in my calendar on %[2]s at %[3]s (%[4]s time), 60 minutes."}), title, date, hm, zone)
		res := b.call("create_event", map[string]any{"title": title, "date": date, "start": hm, "duration_minutes": 60, "timezone": zone}, false)
		id, _ := res["event_id"].(string)
		b.ask("Give me the new event's id.")
		b.say("Created %q (%s) starting %s UTC.", title, id, s.Format("2006-01-02 15:04"))
		b.fact(idFact("event id", id))
	},
	multi: func(b *builder) {
		ev := b.unused("events", nil)
		if b.err != nil {
			return
		}
		r := b.w["events"][ev]
		os, _ := time.Parse(calLayout, r["start"].(string))
		oe, _ := time.Parse(calLayout, r["end"].(string))
		date := os.Format("2006-01-02")
		s, zone, local := freeSlotOn(b, date, oe.Sub(os), "") // not overlapping its old time: a real move
		b.ask("Move my %q on %s (UTC) to %s at %s %s", r["title"], date, local.Format("2006-01-02"), local.Format("15:04"), zone)
		b.call("list_events", map[string]any{"date": date}, false)
		b.call("move_event", map[string]any{"event_id": ev, "date": local.Format("2006-01-02"), "start": local.Format("15:04"), "timezone": zone}, false)
		b.ask("and tell me its new start time in UTC.")
		b.say("Moved %q (%s) to %s UTC.", r["title"], ev, s.Format("2006-01-02 15:04"))
		b.fact(textFact("new UTC start", s.Format("15:04"), s.Format("3:04 PM"), s.Format("3:04PM"), s.Format("3:04 pm"), s.Format("3:04pm")))
	},
	recovery: func(b *builder) {
		busy := b.unused("events", nil)
		if b.err != nil {
			return
		}
		bs, _ := time.Parse(calLayout, b.w["events"][busy]["start"].(string))
		title := pick(b.r, []string{"Press interview", "Audit kickoff", "Parent meeting", "Gym session"})
		s, _, _ := freeSlotOn(b, bs.Format("2006-01-02"), time.Hour, "")
		b.ask("Book %q on %s at %s UTC for an hour; if that time is taken, book it at %s UTC instead. Tell me the event id.", title, bs.Format("2006-01-02"), bs.Format("15:04"), s.Format("15:04"))
		b.call("create_event", map[string]any{"title": title, "date": bs.Format("2006-01-02"), "start": bs.Format("15:04"), "duration_minutes": 60, "timezone": "UTC"}, true)
		res := b.call("create_event", map[string]any{"title": title, "date": s.Format("2006-01-02"), "start": s.Format("15:04"), "duration_minutes": 60, "timezone": "UTC"}, false)
		id, _ := res["event_id"].(string)
		b.say("%s UTC was taken, so I booked %q at %s UTC as %s.", bs.Format("15:04"), title, s.Format("15:04"), id)
		b.fact(idFact("event id", id))
	},
}

// freeSlot picks a free hour-aligned UTC slot of the given length on a
// calendar day and expresses it in a random zone; the slot is reserved.
func freeSlot(b *builder, minutes int) (time.Time, string, time.Time) {
	return freeSlotOn(b, pick(b.r, calDays), time.Duration(minutes)*time.Minute, "")
}

func freeSlotOn(b *builder, day string, d time.Duration, skip string) (time.Time, string, time.Time) {
	base, _ := time.Parse("2006-01-02", day)
	for _, i := range b.r.Perm(10) {
		s := base.Add(time.Duration(8+i) * time.Hour)
		key := "slot/" + s.Format(calLayout)
		if b.used[key] || conflict(b.w, s, s.Add(d), skip) != "" {
			continue
		}
		b.used[key] = true
		b.used["slot/"+s.Add(time.Hour).Format(calLayout)] = true
		b.used["slot/"+s.Add(-time.Hour).Format(calLayout)] = true
		zone := pick(b.r, zoneNames)
		return s, zone, s.Add(time.Duration(zones[zone]) * time.Minute)
	}
	if b.err == nil {
		b.err = fmt.Errorf("no free slot on %s", day)
	}
	return base, "UTC", base
}
