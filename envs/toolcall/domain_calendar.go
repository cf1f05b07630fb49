package toolcall

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"
)

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
