package toolcall

import (
	"fmt"
	"math/rand/v2"
	"path"
	"sort"
	"strings"
)

// ---------------------------------------------------------------- shop

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

// ---------------------------------------------------------------- travel

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

// ---------------------------------------------------------------- files

var fileDirs = []string{"/docs", "/inbox", "/archive", "/notes"}
var fileStems = []string{"report", "budget", "minutes", "todo", "invoice", "draft", "plan", "summary", "readme", "agenda"}
var fileExts = []string{".txt", ".csv", ".md", ".json", ".log"}
var fileWords = []string{"alpha", "quarterly", "numbers", "review", "pending", "approved", "meeting", "client", "follow up", "ship it"}

var filesDomain = &domain{
	name: "files", title: "Files",
	tools: func() []*tool {
		pathS := `{"type":"string","pattern":"^/[A-Za-z0-9_./-]+$","maxLength":200,"description":"absolute path, e.g. /docs/report.txt"}`
		return []*tool{
			newTool("list_files", "List the files of a directory with their sizes in bytes.",
				schema(map[string]string{"directory": pathS}, "directory"),
				func(w World, a args) (any, error) {
					dir := strings.TrimSuffix(a.str("directory"), "/")
					out := []map[string]any{}
					for _, k := range w.sortedKeys("files") {
						if path.Dir(k) == dir {
							out = append(out, map[string]any{"path": k, "size": float64(len(w["files"][k]["content"].(string)))})
						}
					}
					return map[string]any{"directory": dir, "files": out}, nil
				}),
			newTool("read_file", "Read a file's content.",
				schema(map[string]string{"path": pathS}, "path"),
				func(w World, a args) (any, error) {
					f, ok := w["files"][a.str("path")]
					if !ok {
						return nil, fail("no file %q", a.str("path"))
					}
					return map[string]any{"path": a.str("path"), "content": f["content"]}, nil
				}),
			newTool("write_file", "Write a file. Fails if it exists, unless overwrite is true.",
				schema(map[string]string{"path": pathS, "content": `{"type":"string","maxLength":10000}`, "overwrite": `{"type":"boolean","default":false}`}, "path", "content"),
				func(w World, a args) (any, error) {
					p := path.Clean(a.str("path"))
					if _, ok := w["files"][p]; ok && a["overwrite"] != true {
						return nil, fail("file %s already exists (pass \"overwrite\": true to replace it)", p)
					}
					w.table("files")[p] = Rec{"content": a.str("content")}
					return map[string]any{"path": p, "size": float64(len(a.str("content")))}, nil
				}),
			newTool("move_file", "Move or rename a file. Fails if the source is missing or the destination exists.",
				schema(map[string]string{"source": pathS, "destination": pathS}, "source", "destination"),
				func(w World, a args) (any, error) {
					src, dst := path.Clean(a.str("source")), path.Clean(a.str("destination"))
					f, ok := w["files"][src]
					if !ok {
						return nil, fail("no file %q", src)
					}
					if _, ok := w["files"][dst]; ok {
						return nil, fail("destination %s already exists", dst)
					}
					delete(w["files"], src)
					w["files"][dst] = f
					return map[string]any{"moved": src, "to": dst}, nil
				}),
			newTool("delete_file", "Delete a file; returns how many files remain in its directory.",
				schema(map[string]string{"path": pathS}, "path"),
				func(w World, a args) (any, error) {
					p := path.Clean(a.str("path"))
					if _, ok := w["files"][p]; !ok {
						return nil, fail("no file %q", p)
					}
					delete(w["files"], p)
					n := 0
					for k := range w["files"] {
						if path.Dir(k) == path.Dir(p) {
							n++
						}
					}
					return map[string]any{"deleted": p, "remaining_in_directory": float64(n)}, nil
				}),
		}
	},
	seed: func(r *rand.Rand, w World) {
		t := w.table("files")
		for _, d := range fileDirs {
			stems := r.Perm(len(fileStems))
			exts := r.Perm(len(fileExts)) // distinct extensions per directory
			for i := range 3 + r.IntN(2) {
				var c strings.Builder
				for range 2 + r.IntN(5) {
					c.WriteString(pick(r, fileWords) + " ")
				}
				t[d+"/"+fileStems[stems[i]]+fileExts[exts[i]]] = Rec{"content": strings.TrimSpace(c.String())}
			}
		}
	},
	single: func(b *builder) {
		if b.r.IntN(2) == 0 {
			var cand []string // files of directories no other intent changes
			for _, k := range b.w.sortedKeys("files") {
				if !b.used["files/"+k] && !b.used["dir/"+path.Dir(k)] {
					cand = append(cand, k)
				}
			}
			if len(cand) == 0 {
				b.fail("files: no directory left for a delete")
				return
			}
			f := pick(b.r, cand)
			b.used["files/"+f] = true
			b.used["dir/"+path.Dir(f)] = true
			b.ask(pick(b.r, []string{"Delete %s and tell me how many files are left in its folder.", "Remove the file %s; how many files remain in that directory?"}), f)
			res := b.call("delete_file", map[string]any{"path": f}, false)
			n, _ := res["remaining_in_directory"].(float64)
			b.say("Deleted %s; %v files remain in %s.", f, n, path.Dir(f))
			b.fact(numFact("remaining files", n))
			return
		}
		dir := ""
		for _, i := range b.r.Perm(len(fileDirs)) {
			if !b.used["dir/"+fileDirs[i]] {
				dir = fileDirs[i]
				break
			}
		}
		if dir == "" {
			b.fail("files: no directory left for a write")
			return
		}
		b.used["dir/"+dir] = true
		p := fmt.Sprintf("%s/%s-%d.txt", dir, pick(b.r, fileStems), 2+b.r.IntN(90))
		if _, ok := b.w["files"][p]; ok || b.used["file/"+p] {
			p = strings.TrimSuffix(p, ".txt") + "-new.txt"
		}
		b.used["file/"+p] = true
		content := pick(b.r, fileWords) + ": " + pick(b.r, fileWords) + " " + pick(b.r, []string{"by Friday", "asap", "next week", "done"})
		b.ask("Create %s containing %q and tell me its size in bytes.", p, content)
		res := b.call("write_file", map[string]any{"path": p, "content": content}, false)
		n, _ := res["size"].(float64)
		b.say("Wrote %s (%v bytes).", p, n)
		b.fact(numFact("size", n))
	},
	multi: func(b *builder) {
		dir := ""
		for _, d := range b.r.Perm(len(fileDirs)) {
			if !b.used["dir/"+fileDirs[d]] {
				dir = fileDirs[d]
				break
			}
		}
		if dir == "" {
			b.err = fmt.Errorf("no directory left")
			return
		}
		b.used["dir/"+dir] = true
		var inDir []string
		b.used["dir/"+map[bool]string{true: "/docs", false: "/archive"}[dir == "/archive"]] = true
		for _, k := range b.w.sortedKeys("files") {
			if path.Dir(k) == dir {
				inDir = append(inDir, k)
			}
		}
		f := pick(b.r, inDir)
		b.used["files/"+f] = true
		ext := path.Ext(f)
		dest := "/archive"
		if dir == "/archive" {
			dest = "/docs"
		}
		to := dest + "/" + path.Base(f)
		note := " (keep its name)"
		for i := 1; ; i++ {
			if _, taken := b.w["files"][to]; !taken {
				break
			}
			to = fmt.Sprintf("%s/old%d-%s", dest, i, path.Base(f))
			note = fmt.Sprintf(" as %s, since its name is taken there,", path.Base(to))
		}
		b.ask("Move the %s file in %s to %s%s", ext, dir, dest, note)
		b.call("list_files", map[string]any{"directory": dir}, false)
		b.call("move_file", map[string]any{"source": f, "destination": to}, false)
		b.ask("and tell me its new path.")
		b.say("Moved %s to %s.", f, to)
		b.fact(textFact("new path", to))
	},
	recovery: func(b *builder) {
		taken := b.unused("files", nil)
		if b.err != nil {
			return
		}
		alt := strings.TrimSuffix(taken, path.Ext(taken)) + "-2" + path.Ext(taken)
		content := "note: " + pick(b.r, fileWords) + " " + pick(b.r, fileWords)
		b.ask("Save %q as %s; if that name is taken, save it as %s instead (don't overwrite anything). Tell me the size in bytes.", content, taken, alt)
		b.call("write_file", map[string]any{"path": taken, "content": content}, true)
		res := b.call("write_file", map[string]any{"path": alt, "content": content}, false)
		n, _ := res["size"].(float64)
		b.say("%s existed, so I saved the note as %s (%v bytes).", taken, alt, n)
		b.fact(numFact("size", n))
	},
}
