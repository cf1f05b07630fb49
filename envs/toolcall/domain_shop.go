package toolcall

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

var productNames = []string{"Espresso Machine", "Trail Running Shoes", "Noise-Cancelling Headphones", "Cast Iron Skillet", "Yoga Mat", "Desk Lamp", "Mechanical Keyboard", "Water Bottle", "Backpack", "Wireless Mouse", "Rain Jacket", "Chef Knife", "Bluetooth Speaker", "Standing Desk", "Tea Kettle"}

var shopDomain = &domain{
	name: "shop", title: "Shop",
	tools: func() []*tool {
		skuS := `{"type":"string","pattern":"^SKU-[0-9]+$","description":"product SKU, e.g. SKU-204"}`
		return []*tool{
			newTool("search_products", "Search the catalogue by (part of) a product name. Returns SKU, name, unit price and stock.",
				schema(map[string]string{"query": `{"type":"string","minLength":1}`}, "query"),
				func(w World, a args) (any, error) {
					q := lower(a.str("query"))
					out := []map[string]any{}
					for _, k := range w.sortedKeys("products") {
						r := w["products"][k]
						if strings.Contains(lower(r["name"].(string)), q) {
							out = append(out, map[string]any{"sku": k, "name": r["name"], "price": r["price"], "stock": r["stock"]})
						}
					}
					return map[string]any{"products": out}, nil
				}),
			newTool("place_order", "Order a quantity of a product. Fails if the stock is too low.",
				schema(map[string]string{"sku": skuS, "quantity": `{"type":"integer","minimum":1,"maximum":100}`}, "sku", "quantity"),
				func(w World, a args) (any, error) {
					p, ok := w["products"][a.str("sku")]
					if !ok {
						return nil, fail("no product %q", a.str("sku"))
					}
					q := a.num("quantity")
					if st := p["stock"].(float64); q > st {
						return nil, fail("out of stock: %s has %v left, the order needs %v", a.str("sku"), st, q)
					}
					p["stock"] = p["stock"].(float64) - q
					total := money(q * p["price"].(float64))
					id := hashID(w, "orders", "ORD", a.str("sku"), q)
					w.table("orders")[id] = Rec{"sku": a.str("sku"), "quantity": q, "total": total, "status": "placed"}
					return map[string]any{"order_id": id, "sku": a.str("sku"), "quantity": q, "total": total}, nil
				}),
			newTool("refund_order", "Refund a placed order: its items return to stock and its status becomes refunded. Fails if it was already refunded.",
				schema(map[string]string{"order_id": `{"type":"string","pattern":"^ORD-[0-9-]+$"}`}, "order_id"),
				func(w World, a args) (any, error) {
					o, ok := w["orders"][a.str("order_id")]
					if !ok {
						return nil, fail("no order %q", a.str("order_id"))
					}
					if o["status"] != "placed" {
						return nil, fail("order %s is already %s", a.str("order_id"), o["status"])
					}
					o["status"] = "refunded"
					if p, ok := w["products"][o["sku"].(string)]; ok {
						p["stock"] = p["stock"].(float64) + o["quantity"].(float64)
					}
					return map[string]any{"order_id": a.str("order_id"), "refunded": o["total"]}, nil
				}),
		}
	},
	seed: func(r *rand.Rand, w World) {
		t := w.table("products")
		names := r.Perm(len(productNames))[:9]
		n := 100 + r.IntN(800)
		var skus []string
		for i, j := range names {
			stock := float64(3 + r.IntN(20))
			if i%3 == 0 {
				stock = float64(r.IntN(2))
			}
			sku := fmt.Sprintf("SKU-%d", n)
			skus = append(skus, sku)
			t[sku] = Rec{"name": productNames[j], "price": money(float64(5+r.IntN(300)) - 0.01), "stock": stock}
			n += 1 + r.IntN(30)
		}
		o := w.table("orders")
		for i := range 3 {
			sku := skus[1+i]
			q := float64(1 + r.IntN(3))
			status := "placed"
			if i == 2 {
				status = "refunded"
			}
			o[fmt.Sprintf("ORD-%05d", 10000+r.IntN(80000))] = Rec{"sku": sku, "quantity": q, "total": money(q * t[sku]["price"].(float64)), "status": status}
		}
	},
	single: func(b *builder) {
		if b.r.IntN(2) == 0 {
			ord := b.unused("orders", func(r Rec) bool { return r["status"] == "placed" })
			if b.err != nil {
				return
			}
			b.ask(pick(b.r, []string{"Please refund order %s and tell me how much comes back.", "I want my money back for order %s. How much is refunded?"}), ord)
			res := b.call("refund_order", map[string]any{"order_id": ord}, false)
			amt, _ := res["refunded"].(float64)
			b.say("Order %s is refunded: $%s.", ord, amount(amt))
			b.fact(numFact("refund", amt))
			return
		}
		sku := b.unused("products", func(r Rec) bool { return r["stock"].(float64) >= 2 })
		if b.err != nil {
			return
		}
		q := 1 + b.r.IntN(2)
		b.ask(pick(b.r, []string{"Order %[2]d of %[1]s. What's the total?", "Please buy %[2]d units of product %[1]s and tell me the total price."}), sku, q)
		res := b.call("place_order", map[string]any{"sku": sku, "quantity": q}, false)
		total, _ := res["total"].(float64)
		b.say("Ordered %d × %s as %v; the total is $%s.", q, sku, res["order_id"], amount(total))
		b.fact(numFact("total", total))
	},
	multi: func(b *builder) {
		sku := b.unused("products", func(r Rec) bool { return r["stock"].(float64) >= 2 })
		if b.err != nil {
			return
		}
		name := b.w["products"][sku]["name"].(string)
		q := 1 + b.r.IntN(2)
		b.ask(pick(b.r, []string{"Buy %[2]d %[1]s for me", "I'd like to order %[2]d of the %[1]s"}), lower(name), q)
		b.call("search_products", map[string]any{"query": lower(name)}, false)
		res := b.call("place_order", map[string]any{"sku": sku, "quantity": q}, false)
		total, _ := res["total"].(float64)
		b.ask("and tell me the total.")
		b.say("Ordered %d × %s (%s) as %v for $%s.", q, name, sku, res["order_id"], amount(total))
		b.fact(numFact("total", total))
	},
	recovery: func(b *builder) {
		low := b.unused("products", func(r Rec) bool { return r["stock"].(float64) <= 1 })
		alt := b.unused("products", func(r Rec) bool { return r["stock"].(float64) >= 3 })
		if b.err != nil {
			return
		}
		q := 2 + b.r.IntN(2)
		b.ask("Order %d units of %s; if there aren't enough in stock, order %d of %s instead. What did it cost?", q, low, q, alt)
		b.call("place_order", map[string]any{"sku": low, "quantity": q}, true)
		res := b.call("place_order", map[string]any{"sku": alt, "quantity": q}, false)
		total, _ := res["total"].(float64)
		b.say("%s was out of stock, so I ordered %d × %s as %v for $%s.", low, q, alt, res["order_id"], amount(total))
		b.fact(numFact("total", total))
	},
}
