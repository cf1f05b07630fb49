package toolcall

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

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
