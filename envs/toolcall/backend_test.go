package toolcall

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
)

func call(name, args string) dojo.ToolCall {
	return dojo.ToolCall{ID: "c", Name: name, Arguments: json.RawMessage(args)}
}

// TestSchemaErrors checks that bad calls are invalid, leave the world as it
// was and name the problem.
func TestSchemaErrors(t *testing.T) {
	t.Parallel()
	w := World{"accounts": {"ACC-1": {"owner": "Ann Lee", "type": "checking", "balance": 100.0, "limit": 1000.0}, "ACC-2": {"owner": "Bo Kim", "type": "checking", "balance": 5.0, "limit": 1000.0}}}
	tests := []struct {
		name string
		call dojo.ToolCall
		want []string // substrings of the error
	}{
		{"unknown tool", call("wire_money", `{}`), []string{`unknown tool "wire_money"`, "transfer"}},
		{"not shown", call("calculate", `{"expression":"1+1"}`), []string{`unknown tool "calculate"`}},
		{"missing required", call("transfer", `{"from_account":"ACC-1"}`), []string{"transfer: invalid arguments", "missing properties", "amount", "to_account"}},
		{"wrong type", call("transfer", `{"from_account":"ACC-1","to_account":"ACC-2","amount":"ten"}`), []string{"argument amount", "want number", "string"}},
		{"negative amount", call("transfer", `{"from_account":"ACC-1","to_account":"ACC-2","amount":-5}`), []string{"argument amount", "-5"}},
		{"bad pattern", call("get_balance", `{"account_id":"1001"}`), []string{"argument account_id", "does not match pattern"}},
		{"extra property", call("get_balance", `{"account_id":"ACC-1","pin":"1234"}`), []string{"additional properties", "pin"}},
		{"not an object", call("get_balance", `["ACC-1"]`), []string{"want object"}},
		{"not JSON", call("get_balance", `{"account_id":`), []string{"not valid JSON"}},
	}
	shown := map[string]bool{"transfer": true, "get_balance": true, "find_accounts": true}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := w.Clone()
			before := w.Clone()
			out := execute(w, shown, tt.call)
			if !out.invalid {
				t.Fatalf("%s: not invalid: %s", tt.name, out.content)
			}
			for _, s := range tt.want {
				if !strings.Contains(out.errMsg, s) {
					t.Errorf("error %q lacks %q", out.errMsg, s)
				}
			}
			if !w.Equal(before) {
				t.Errorf("world changed: %v", w)
			}
			var m map[string]string
			if err := json.Unmarshal([]byte(out.content), &m); err != nil || m["error"] != out.errMsg {
				t.Errorf("content %s is not {\"error\": msg}", out.content)
			}
		})
	}
}

// TestBackEnds checks the domains' rules call by call.
func TestBackEnds(t *testing.T) {
	t.Parallel()
	type step struct {
		call     dojo.ToolCall
		fail     string // substring of the back end's refusal, "" for success
		contains string // substring of a successful result
	}
	tests := []struct {
		name  string
		world World
		steps []step
		end   World
	}{
		{"bank transfers, limit, funds",
			World{"accounts": {"ACC-1": {"owner": "Ann Lee", "type": "checking", "balance": 100.0, "limit": 50.0}, "ACC-2": {"owner": "Bo Kim", "type": "savings", "balance": 5.0, "limit": 1000.0}}},
			[]step{
				{call("transfer", `{"from_account":"ACC-1","to_account":"ACC-2","amount":60}`), "exceeds the per-transfer limit 50.00", ""},
				{call("transfer", `{"from_account":"ACC-2","to_account":"ACC-1","amount":6}`), "insufficient funds: ACC-2 holds 5.00", ""},
				{call("transfer", `{"from_account":"ACC-1","to_account":"ACC-1","amount":6}`), "same account", ""},
				{call("transfer", `{"from_account":"ACC-1","to_account":"ACC-9","amount":6}`), `no account "ACC-9"`, ""},
				{call("transfer", `{"from_account":"ACC-1","to_account":"ACC-2","amount":40.5}`), "", `"from_balance":59.5`},
				{call("find_accounts", `{"owner":"bo"}`), "", `"account_id":"ACC-2"`},
				{call("find_accounts", `{"owner":"Zed"}`), "no account owned", ""},
			},
			World{"accounts": {"ACC-1": {"owner": "Ann Lee", "type": "checking", "balance": 59.5, "limit": 50.0}, "ACC-2": {"owner": "Bo Kim", "type": "savings", "balance": 45.5, "limit": 1000.0}}}},
		{"calendar zones and conflicts",
			World{"events": {"EV-1": {"title": "Sync", "start": "2027-01-11T09:00Z", "end": "2027-01-11T10:00Z"}}},
			[]step{
				{call("create_event", `{"title":"Call","date":"2027-01-11","start":"10:30","duration_minutes":60,"timezone":"Europe/Paris"}`), "conflicts with EV-1", ""},
				{call("create_event", `{"title":"Call","date":"2027-01-11","start":"19:00","duration_minutes":30,"timezone":"Asia/Tokyo"}`), "", `"start":"2027-01-11T10:00Z"`},
				{call("move_event", `{"event_id":"EV-1","date":"2027-01-11","start":"06:30","timezone":"America/New_York"}`), "", `"end":"2027-01-11T12:30Z"`},
				{call("list_events", `{"date":"2027-01-11"}`), "", `"title":"Call"`},
				{call("delete_event", `{"event_id":"EV-7"}`), `no event "EV-7"`, ""},
			},
			nil},
		{"shop orders and refunds",
			World{"products": {"SKU-1": {"name": "Yoga Mat", "price": 20.0, "stock": 2.0}}, "orders": {"ORD-00001": {"sku": "SKU-1", "quantity": 1.0, "total": 20.0, "status": "placed"}}},
			[]step{
				{call("place_order", `{"sku":"SKU-1","quantity":3}`), "out of stock: SKU-1 has 2 left", ""},
				{call("place_order", `{"sku":"SKU-1","quantity":2}`), "", `"total":40`},
				{call("refund_order", `{"order_id":"ORD-00001"}`), "", `"refunded":20`},
				{call("refund_order", `{"order_id":"ORD-00001"}`), "already refunded", ""},
				{call("search_products", `{"query":"yoga"}`), "", `"stock":1`},
			},
			nil},
		{"travel bookings",
			World{"flights": {"FL-1": {"origin": "LIS", "destination": "BER", "date": "2027-02-03", "departure": "07:00", "price": 300.0, "seats": 0.0}, "FL-2": {"origin": "LIS", "destination": "BER", "date": "2027-02-03", "departure": "09:00", "price": 200.0, "seats": 1.0}}},
			[]step{
				{call("search_flights", `{"origin":"LIS","destination":"BER","date":"2027-02-03"}`), "", `[{"departure":"09:00","flight_id":"FL-2"`},
				{call("book_flight", `{"flight_id":"FL-1","passenger":"Ann Lee"}`), "fully booked", ""},
				{call("book_flight", `{"flight_id":"FL-2","passenger":"Ann Lee"}`), "", `"price":200`},
				{call("book_flight", `{"flight_id":"FL-2","passenger":"Bo Kim"}`), "fully booked", ""},
			},
			nil},
		{"files",
			World{"files": {"/docs/a.txt": {"content": "hello"}, "/docs/b.md": {"content": "x"}}},
			[]step{
				{call("write_file", `{"path":"/docs/a.txt","content":"new"}`), "already exists", ""},
				{call("write_file", `{"path":"/docs/a.txt","content":"new!","overwrite":true}`), "", `"size":4`},
				{call("move_file", `{"source":"/docs/b.md","destination":"/docs/a.txt"}`), "destination /docs/a.txt already exists", ""},
				{call("move_file", `{"source":"/docs/b.md","destination":"/archive/b.md"}`), "", `"to":"/archive/b.md"`},
				{call("read_file", `{"path":"/docs/b.md"}`), `no file "/docs/b.md"`, ""},
				{call("delete_file", `{"path":"/docs/a.txt"}`), "", `"remaining_in_directory":0`},
			},
			World{"files": {"/archive/b.md": {"content": "x"}}}},
		{"contacts",
			World{"contacts": {"C-1": {"name": "Ann Lee", "phone": "", "email": "ann@example.com"}}},
			[]step{
				{call("send_message", `{"contact_id":"C-1","channel":"sms","body":"hi"}`), "no phone number", ""},
				{call("send_message", `{"contact_id":"C-1","channel":"email","body":"hi"}`), "", `"status":"sent"`},
				{call("find_contact", `{"name":"lee"}`), "", `"contact_id":"C-1"`},
			},
			nil},
		{"utility",
			World{},
			[]step{
				{call("calculate", `{"expression":"(2 + 3) * 4 ^ 2 / 8"}`), "", `"result":10`},
				{call("calculate", `{"expression":"1 / (2 - 2)"}`), "division by zero", ""},
				{call("convert_units", `{"value":100,"from_unit":"C","to_unit":"F"}`), "", `"value":212`},
				{call("convert_units", `{"value":1,"from_unit":"kg","to_unit":"km"}`), "cannot convert kg (mass) to km (length)", ""},
				{call("convert_currency", `{"amount":100,"from_currency":"USD","to_currency":"EUR"}`), "", `"amount":92`},
				{call("convert_currency", `{"amount":100,"from_currency":"USD","to_currency":"CHF"}`), "CHF is not supported", ""},
			},
			World{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := tt.world.Clone()
			for i, s := range tt.steps {
				before := w.Clone()
				out := execute(w, nil, s.call)
				if out.invalid {
					t.Fatalf("step %d %s: invalid: %s", i, s.call.Name, out.errMsg)
				}
				if s.fail != "" {
					if !out.failed || !strings.Contains(out.errMsg, s.fail) {
						t.Errorf("step %d %s %s: got %s, want a failure naming %q", i, s.call.Name, s.call.Arguments, out.content, s.fail)
					}
					if !w.Equal(before) {
						t.Errorf("step %d: a refused call changed the world", i)
					}
					continue
				}
				if out.failed || !strings.Contains(out.content, s.contains) {
					t.Errorf("step %d %s %s: got %s, want it to contain %s", i, s.call.Name, s.call.Arguments, out.content, s.contains)
				}
			}
			if tt.end != nil && !w.Equal(tt.end) {
				t.Errorf("end state\n%v\nwant\n%v", w, tt.end)
			}
		})
	}
}

func TestFacts(t *testing.T) {
	t.Parallel()
	f := numFact("x", 1250)
	for _, s := range []string{"It is 1,250.00 now", "1250", "$1,250", "1250.00."} {
		if !f.holds(s) {
			t.Errorf("%q does not state %v", s, f.Aliases)
		}
	}
	for _, s := range []string{"12500", "1250.75", "21250", "125"} {
		if f.holds(s) {
			t.Errorf("%q states %v", s, f.Aliases)
		}
	}
	if g := numFact("y", 12.5); !g.holds("12.5 units") || !g.holds("12.50") || g.holds("112.5") {
		t.Errorf("12.5: aliases %v", g.Aliases)
	}
	if !refusal.holds("Sorry, I can't do that.") || refusal.holds("Done!") {
		t.Error("refusal fact")
	}
}

func TestEvalExpr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want float64
		err  string
	}{
		{"1 + 2 * 3", 7, ""},
		{"(1 + 2) * 3", 9, ""},
		{"2 ^ 3 ^ 2", 512, ""},
		{"-2 ^ 2", 4, ""},
		{"10 / 4", 2.5, ""},
		{"1 +", 0, "unexpected end"},
		{"(1 + 2", 0, "missing ')'"},
		{"1 $ 2", 0, "unexpected '$' at position 3"},
		{"1 / 0", 0, "division by zero"},
		{"1.2.3", 0, "bad number"},
		{strings.Repeat("(", 60) + "1" + strings.Repeat(")", 60), 0, "nested deeper"},
		{"10 ^ 400", 0, "not a finite number"},
	}
	for _, tt := range tests {
		got, err := evalExpr(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("evalExpr(%q) = %v, %v; want error %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("evalExpr(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func FuzzEvalExpr(f *testing.F) {
	for _, s := range []string{"1 + 2", "(3 - 4) * 5 ^ 2", "-(-1)", "1/0", "((((", "9^9^9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := evalExpr(s)
		if err == nil && (v != v || v > 1e308 || v < -1e308) {
			t.Fatalf("evalExpr(%q) = %v without error", s, v)
		}
	})
}

// FuzzStep feeds arbitrary text and tool-call arguments to an episode: it
// must never panic, and a failed call must leave the world unchanged.
func FuzzStep(f *testing.F) {
	f.Add(`<tool_call>{"name":"transfer","arguments":{"from_account":"ACC-1","to_account":"ACC-2","amount":1}}</tool_call>`, `{"amount": 1e400}`)
	f.Add(`<think>x</think><tool_call>[{"name":"calculate","parameters":{"expression":"1/0"}}]</tool_call>`, `null`)
	f.Add(`final answer 1,250.00`, `{"owner": ["x"]}`)
	var r dojo.Registry
	if err := Register(&r); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text, args string) {
		env, err := r.Make("toolcall/Mixed-v0", nil)
		if err != nil {
			t.Fatal(err)
		}
		e := env.(*Env)
		ctx := t.Context()
		if _, _, err := e.Reset(ctx, uint64(len(text))); err != nil {
			t.Fatal(err)
		}
		var calls []dojo.ToolCall
		for _, tl := range e.tools {
			calls = append(calls, dojo.ToolCall{Name: tl.Name, Arguments: json.RawMessage(args)})
		}
		for _, a := range []dojo.Action{dojo.TextAction(text), dojo.MessageAction("", calls...), dojo.MessageAction(text)} {
			st, err := e.Step(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := json.Marshal(st); err != nil {
				t.Fatalf("step does not marshal: %v", err)
			}
			if st.Done() {
				return
			}
		}
	})
}

func TestWorldValue(t *testing.T) {
	t.Parallel()
	w := World{"b": {"k2": {"z": 1.0, "a": "x"}}, "a": {"k1": {"ok": true}}}
	c := w.Clone()
	c["b"]["k2"]["z"] = 2.0
	if w["b"]["k2"]["z"] != 1.0 || w.Equal(c) {
		t.Fatal("Clone shares records")
	}
	if got, want := w.String(), `{"a":{"k1":{"ok":true}},"b":{"k2":{"a":"x","z":1}}}`; got != want {
		t.Errorf("String() = %s, want %s", got, want)
	}
	var back World
	if err := json.Unmarshal([]byte(w.String()), &back); err != nil || !back.Equal(w) {
		t.Errorf("round trip: %v, %v", back, err)
	}
	if err := json.Unmarshal([]byte(`{"a":{"k":{"f":[1]}}}`), &back); err == nil || !strings.Contains(err.Error(), "want a string, number or bool") {
		t.Errorf("a list field: %v", err)
	}
	if !(World{"a": {}}).Equal(World{}) {
		t.Error("an empty table differs from a missing one")
	}
	cs := changes(w, c)
	if len(cs) != 1 || cs[0].key != "k2" || achieved(c, cs) != 1 || achieved(w, cs) != 0 {
		t.Errorf("changes %+v", cs)
	}
}
