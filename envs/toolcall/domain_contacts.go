package toolcall

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

var contactsDomain = &domain{
	name: "contacts", title: "Contacts",
	tools: func() []*tool {
		return []*tool{
			newTool("find_contact", "Find contacts by (part of) their name. Returns id, name, phone (empty if none) and email.",
				schema(map[string]string{"name": `{"type":"string","minLength":1}`}, "name"),
				func(w World, a args) (any, error) {
					q := lower(a.str("name"))
					out := []map[string]any{}
					for _, k := range w.sortedKeys("contacts") {
						c := w["contacts"][k]
						if strings.Contains(lower(c["name"].(string)), q) {
							out = append(out, map[string]any{"contact_id": k, "name": c["name"], "phone": c["phone"], "email": c["email"]})
						}
					}
					if len(out) == 0 {
						return nil, fail("no contact named %q", a.str("name"))
					}
					return map[string]any{"contacts": out}, nil
				}),
			newTool("send_message", "Send a message to a contact by sms (needs a phone number) or email.",
				schema(map[string]string{"contact_id": `{"type":"string","pattern":"^C-[0-9]+$"}`, "channel": `{"type":"string","enum":["sms","email"]}`, "body": `{"type":"string","minLength":1,"maxLength":1000}`}, "contact_id", "channel", "body"),
				func(w World, a args) (any, error) {
					c, ok := w["contacts"][a.str("contact_id")]
					if !ok {
						return nil, fail("no contact %q", a.str("contact_id"))
					}
					if a.str("channel") == "sms" && c["phone"] == "" {
						return nil, fail("%s has no phone number and cannot receive sms; use email", c["name"])
					}
					id := hashID(w, "messages", "MSG", a.str("contact_id"), a.str("channel"), a.str("body"))
					w.table("messages")[id] = Rec{"contact_id": a.str("contact_id"), "channel": a.str("channel"), "body": a.str("body")}
					return map[string]any{"message_id": id, "status": "sent"}, nil
				}),
		}
	},
	seed: func(r *rand.Rand, w World) {
		t := w.table("contacts")
		n := 10 + r.IntN(80)
		for i, p := range people(r, 6) {
			phone := fmt.Sprintf("+1-555-%04d", r.IntN(10000))
			if i%3 == 0 {
				phone = ""
			}
			email := strings.ToLower(strings.ReplaceAll(p, " ", ".")) + "@example.com"
			t[fmt.Sprintf("C-%d", n)] = Rec{"name": p, "phone": phone, "email": email}
			n += 1 + r.IntN(20)
		}
	},
	single: func(b *builder) {
		c := b.unused("contacts", nil)
		if b.err != nil {
			return
		}
		body := pick(b.r, msgBodies)
		b.ask("Email contact %s: %q. What's the message id?", c, body)
		res := b.call("send_message", map[string]any{"contact_id": c, "channel": "email", "body": body}, false)
		id, _ := res["message_id"].(string)
		b.say("Emailed %s; message id %s.", c, id)
		b.fact(idFact("message id", id))
	},
	multi: func(b *builder) {
		c := b.unused("contacts", func(r Rec) bool { return r["phone"] != "" })
		if b.err != nil {
			return
		}
		name := b.w["contacts"][c]["name"].(string)
		body := pick(b.r, msgBodies)
		b.ask(pick(b.r, []string{"Text %s %q", "Send %s an sms saying %q"}), name, body)
		b.call("find_contact", map[string]any{"name": name}, false)
		res := b.call("send_message", map[string]any{"contact_id": c, "channel": "sms", "body": body}, false)
		id, _ := res["message_id"].(string)
		b.ask("and give me the message id.")
		b.say("Texted %s (%s); message id %s.", name, c, id)
		b.fact(idFact("message id", id))
	},
	recovery: func(b *builder) {
		c := b.unused("contacts", func(r Rec) bool { return r["phone"] == "" })
		if b.err != nil {
			return
		}
		name := b.w["contacts"][c]["name"].(string)
		body := pick(b.r, msgBodies)
		b.ask("Text %s %q; if they can't get texts, email it instead. Give me the message id.", name, body)
		b.call("find_contact", map[string]any{"name": name}, false)
		b.call("send_message", map[string]any{"contact_id": c, "channel": "sms", "body": body}, true)
		res := b.call("send_message", map[string]any{"contact_id": c, "channel": "email", "body": body}, false)
		id, _ := res["message_id"].(string)
		b.say("%s has no phone, so I emailed them; message id %s.", name, id)
		b.fact(idFact("message id", id))
	},
}

var msgBodies = []string{"Running 10 minutes late", "Can we move lunch to Thursday?", "The report is ready for review", "Happy birthday!", "Please call me back", "Meeting room changed to 4B"}
