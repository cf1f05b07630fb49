package sql

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
)

// A generated database has four tables in four roles: a parent P (suppliers,
// departments ...), an entity E that references P (products, employees ...),
// another entity G (customers, projects ...) and a link L between G and E
// (orders, assignments ...) with a quantity. Every table has an integer
// primary key "id"; E.<fk> references P.id, L.<g fk> G.id and L.<e fk> E.id.
// Names are unique within a table and E's number column is unique, so
// questions ordered by it have no ties.
type domain struct {
	name, title string

	pTable, pName, pAttr string   // parent table, its name and text attribute columns
	pAttrs               []string // values of pAttr
	pNoun, pNouns        string   // "supplier", "suppliers"
	pAttrNoun            string   // "country"
	pNames               [2][]string

	eTable, eName, eCat, eNum, eFk string
	eCats                          []string
	eNumLo, eNumHi                 int
	eNoun, eNouns                  string
	eCatNoun, eNumNoun             string
	eOfP                           string // "supplied by": E <eOfP> P
	eNames                         [2][]string
	eNameSep                       string

	gTable, gName, gAttr string
	gAttrs               []string
	gNoun, gNouns        string
	gAttrNoun            string
	gNames               [2][]string

	lTable, lG, lE, lQty string
	lQtyLo, lQtyHi       int
	lQtyNoun             string
	lVerb                string // past participle: E that were never <lVerb>
	gVerb                string // G <gVerb> E: "customers who ordered products"
}

var firstNames = []string{"Ada", "Ben", "Carla", "Dev", "Elena", "Farid", "Grace", "Hugo", "Iris", "Jonas", "Keiko", "Luis", "Maya", "Nikos", "Olga", "Priya", "Quinn", "Rosa", "Sam", "Tariq", "Uma", "Victor", "Wen", "Ximena", "Yusuf", "Zoe", "Amir", "Bianca", "Chen", "Dora"}
var lastNames = []string{"Adams", "Baker", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Hansen", "Ito", "Jensen", "Khan", "Lopez", "Muller", "Nakamura", "Okafor", "Petrov", "Quist", "Rossi", "Silva", "Tanaka", "Usman", "Varga", "Weber", "Xu", "Young", "Zhang", "Novak", "Moreau", "Kowalski", "Larsen"}
var cities = []string{"Lisbon", "Oslo", "Austin", "Osaka", "Lyon", "Denver", "Porto", "Turin", "Leeds", "Graz"}
var countries = []string{"Canada", "Germany", "Japan", "Brazil", "India", "Spain", "Kenya", "Norway"}

var domains = []*domain{
	{
		name: "retail", title: "Retail",
		pTable: "suppliers", pName: "name", pAttr: "country", pAttrs: countries, pNoun: "supplier", pNouns: "suppliers", pAttrNoun: "country",
		pNames: [2][]string{{"Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay", "Soylent", "Tyrell"}, {"Trading", "Supply", "Goods", "Wholesale", "Imports", "Partners"}},
		eTable: "products", eName: "name", eCat: "category", eNum: "price", eFk: "supplier_id",
		eCats: []string{"toys", "garden", "kitchen", "books", "sports", "office"}, eNumLo: 5, eNumHi: 2000,
		eNoun: "product", eNouns: "products", eCatNoun: "category", eNumNoun: "price", eOfP: "supplied by",
		eNames: [2][]string{{"Red", "Blue", "Smart", "Compact", "Deluxe", "Classic", "Eco", "Mini", "Super", "Ultra", "Quiet", "Rapid", "Solid", "Bright", "Swift"}, {"Lamp", "Kettle", "Chair", "Drone", "Puzzle", "Racket", "Stapler", "Blender", "Shovel", "Novel", "Backpack", "Clock", "Helmet", "Mug", "Tent"}}, eNameSep: " ",
		gTable: "customers", gName: "name", gAttr: "city", gAttrs: cities, gNoun: "customer", gNouns: "customers", gAttrNoun: "city",
		gNames: [2][]string{firstNames, lastNames},
		lTable: "orders", lG: "customer_id", lE: "product_id", lQty: "quantity", lQtyLo: 1, lQtyHi: 20, lQtyNoun: "quantity", lVerb: "ordered", gVerb: "ordered",
	},
	{
		name: "hr", title: "HR",
		pTable: "departments", pName: "name", pAttr: "location", pAttrs: cities, pNoun: "department", pNouns: "departments", pAttrNoun: "location",
		pNames: [2][]string{{"Sales", "Research", "Finance", "Legal", "Support", "Design", "Logistics", "Marketing"}, {"North", "South", "East", "West", "Central"}},
		eTable: "employees", eName: "name", eCat: "job_title", eNum: "salary", eFk: "department_id",
		eCats: []string{"engineer", "analyst", "manager", "clerk", "designer", "technician"}, eNumLo: 30000, eNumHi: 180000,
		eNoun: "employee", eNouns: "employees", eCatNoun: "job title", eNumNoun: "salary", eOfP: "working in",
		eNames: [2][]string{firstNames, lastNames}, eNameSep: " ",
		gTable: "projects", gName: "name", gAttr: "status", gAttrs: []string{"planned", "active", "paused", "done"}, gNoun: "project", gNouns: "projects", gAttrNoun: "status",
		gNames: [2][]string{{"Apollo", "Borealis", "Cobalt", "Delta", "Ember", "Falcon", "Granite", "Helix", "Ion", "Juniper", "Kestrel", "Lumen"}, {"Platform", "Migration", "Audit", "Launch", "Redesign", "Pilot"}},
		lTable: "assignments", lG: "project_id", lE: "employee_id", lQty: "hours", lQtyLo: 5, lQtyHi: 200, lQtyNoun: "hours", lVerb: "assigned to a project", gVerb: "has assigned",
	},
	{
		name: "school", title: "School",
		pTable: "teachers", pName: "name", pAttr: "office", pAttrs: []string{"A101", "A205", "B110", "B302", "C007", "C118"}, pNoun: "teacher", pNouns: "teachers", pAttrNoun: "office",
		pNames: [2][]string{lastNames, firstNames},
		eTable: "courses", eName: "title", eCat: "subject", eNum: "capacity", eFk: "teacher_id",
		eCats: []string{"math", "physics", "history", "art", "biology", "music"}, eNumLo: 10, eNumHi: 900,
		eNoun: "course", eNouns: "courses", eCatNoun: "subject", eNumNoun: "capacity", eOfP: "taught by",
		eNames: [2][]string{{"Intro to", "Advanced", "Applied", "Modern", "Topics in", "Seminar on", "History of", "Foundations of", "Workshop on", "Studies in"}, {"Algebra", "Optics", "Empires", "Painting", "Genetics", "Harmony", "Calculus", "Mechanics", "Sculpture", "Ecology", "Rhythm", "Geometry", "Ethics", "Poetry", "Statistics"}}, eNameSep: " ",
		gTable: "students", gName: "name", gAttr: "year", gAttrs: []string{"freshman", "sophomore", "junior", "senior"}, gNoun: "student", gNouns: "students", gAttrNoun: "year",
		gNames: [2][]string{firstNames, lastNames},
		lTable: "enrollments", lG: "student_id", lE: "course_id", lQty: "score", lQtyLo: 40, lQtyHi: 100, lQtyNoun: "score", lVerb: "enrolled in", gVerb: "enrolled in",
	},
	{
		name: "flights", title: "Flights",
		pTable: "airlines", pName: "name", pAttr: "country", pAttrs: countries, pNoun: "airline", pNouns: "airlines", pAttrNoun: "country",
		pNames: [2][]string{{"Sky", "Blue", "Polar", "Sun", "Coastal", "Alpine", "Pacific", "Royal"}, {"Air", "Airways", "Wings", "Jet", "Express"}},
		eTable: "flights", eName: "flight_no", eCat: "destination", eNum: "distance", eFk: "airline_id",
		eCats: []string{"Paris", "Tokyo", "Nairobi", "Lima", "Sydney", "Toronto"}, eNumLo: 200, eNumHi: 15000,
		eNoun: "flight", eNouns: "flights", eCatNoun: "destination", eNumNoun: "distance", eOfP: "operated by",
		eNames: [2][]string{{"FA", "FB", "FC", "FD", "FE", "FG", "FH", "FJ", "FK", "FL", "FM", "FN", "FP", "FR", "FS"}, {"101", "202", "303", "404", "505", "606", "707", "808", "909", "111", "222", "333", "444", "555", "666"}}, eNameSep: "",
		gTable: "passengers", gName: "name", gAttr: "nationality", gAttrs: []string{"French", "Kenyan", "Peruvian", "Japanese", "Canadian", "Indian"}, gNoun: "passenger", gNouns: "passengers", gAttrNoun: "nationality",
		gNames: [2][]string{firstNames, lastNames},
		lTable: "bookings", lG: "passenger_id", lE: "flight_id", lQty: "fare", lQtyLo: 50, lQtyHi: 3000, lQtyNoun: "fare", lVerb: "booked", gVerb: "booked",
	},
	{
		name: "library", title: "Library",
		pTable: "publishers", pName: "name", pAttr: "city", pAttrs: cities, pNoun: "publisher", pNouns: "publishers", pAttrNoun: "city",
		pNames: [2][]string{{"Harbor", "Quill", "Lantern", "Oak", "Meridian", "Beacon", "Willow", "Atlas"}, {"Press", "Books", "House", "Editions", "Publishing"}},
		eTable: "books", eName: "title", eCat: "genre", eNum: "pages", eFk: "publisher_id",
		eCats: []string{"mystery", "fantasy", "history", "science", "poetry", "romance"}, eNumLo: 60, eNumHi: 1500,
		eNoun: "book", eNouns: "books", eCatNoun: "genre", eNumNoun: "number of pages", eOfP: "published by",
		eNames: [2][]string{{"The Silent", "The Last", "A Distant", "The Hidden", "The Broken", "The Golden", "A Winter", "The Lost", "The Seventh", "A Quiet"}, {"River", "Garden", "Empire", "Signal", "Harbor", "Promise", "Mirror", "Forest", "Voyage", "Letter", "Crown", "Storm", "Island", "Archive", "Bridge"}}, eNameSep: " ",
		gTable: "members", gName: "name", gAttr: "city", gAttrs: cities, gNoun: "member", gNouns: "members", gAttrNoun: "city",
		gNames: [2][]string{firstNames, lastNames},
		lTable: "loans", lG: "member_id", lE: "book_id", lQty: "days", lQtyLo: 1, lQtyHi: 60, lQtyNoun: "loan days", lVerb: "borrowed", gVerb: "borrowed",
	},
	{
		name: "hospital", title: "Hospital",
		pTable: "wards", pName: "name", pAttr: "building", pAttrs: []string{"North Wing", "South Wing", "Main", "Annex"}, pNoun: "ward", pNouns: "wards", pAttrNoun: "building",
		pNames: [2][]string{{"Cardiology", "Oncology", "Pediatrics", "Neurology", "Orthopedics", "Radiology", "Surgery", "Maternity"}, {"A", "B", "C", "D"}},
		eTable: "doctors", eName: "name", eCat: "specialty", eNum: "salary", eFk: "ward_id",
		eCats: []string{"surgeon", "cardiologist", "pediatrician", "neurologist", "radiologist", "oncologist"}, eNumLo: 80000, eNumHi: 400000,
		eNoun: "doctor", eNouns: "doctors", eCatNoun: "specialty", eNumNoun: "salary", eOfP: "working in",
		eNames: [2][]string{firstNames, lastNames}, eNameSep: " ",
		gTable: "patients", gName: "name", gAttr: "city", gAttrs: cities, gNoun: "patient", gNouns: "patients", gAttrNoun: "city",
		gNames: [2][]string{firstNames, lastNames},
		lTable: "appointments", lG: "patient_id", lE: "doctor_id", lQty: "fee", lQtyLo: 20, lQtyHi: 900, lQtyNoun: "fee", lVerb: "seen by any patient", gVerb: "saw",
	},
}

func domainByName(name string) *domain {
	for _, d := range domains {
		if d.name == name {
			return d
		}
	}
	return nil
}

// row counts of a database of the given size (1..10)
func counts(size int) (p, e, g, l int) {
	return 3 + size, 6 + 8*size, 4 + 6*size, 10 + 25*size
}

// dbData is a generated database's content, kept beside it so question
// templates draw values that exist without querying.
type dbData struct {
	pName, pAttr []string
	eName, eCat  []string
	eNum, eP     []int // eP: index into p
	gName, gAttr []string
	lG, lE, lQty []int // indexes into g and e
}

// uniqueNames draws n distinct names a<sep>b from the two word lists.
func uniqueNames(r *rand.Rand, words [2][]string, sep string, n int) []string {
	a, b := words[0], words[1]
	perm := r.Perm(len(a) * len(b))
	out := make([]string, n)
	for i := range n {
		k := perm[i%len(perm)]
		out[i] = a[k/len(b)] + sep + b[k%len(b)]
		if i >= len(perm) {
			out[i] += fmt.Sprintf(" %d", i/len(perm)+1)
		}
	}
	return out
}

// genData draws a database's content.
func (d *domain) genData(size int, dbSeed uint64) *dbData {
	r := rand.New(rand.NewPCG(dbSeed, 0x73716c6462)) // "sqldb"
	np, ne, ng, nl := counts(size)
	x := &dbData{pName: uniqueNames(r, d.pNames, " ", np), eName: uniqueNames(r, d.eNames, d.eNameSep, ne), gName: uniqueNames(r, d.gNames, " ", ng)}
	for range np {
		x.pAttr = append(x.pAttr, d.pAttrs[r.IntN(len(d.pAttrs))])
	}
	seen := map[int]bool{}
	for i := range ne {
		x.eCat = append(x.eCat, d.eCats[r.IntN(len(d.eCats))])
		v := d.eNumLo + r.IntN(d.eNumHi-d.eNumLo+1)
		for seen[v] {
			v = d.eNumLo + r.IntN(d.eNumHi-d.eNumLo+1)
		}
		seen[v] = true
		x.eNum = append(x.eNum, v)
		x.eP = append(x.eP, i%np) // every parent has entities
	}
	r.Shuffle(ne, func(i, j int) { x.eP[i], x.eP[j] = x.eP[j], x.eP[i] })
	for range ng {
		x.gAttr = append(x.gAttr, d.gAttrs[r.IntN(len(d.gAttrs))])
	}
	for range nl {
		x.lG = append(x.lG, r.IntN(ng))
		x.lE = append(x.lE, r.IntN(ne))
		x.lQty = append(x.lQty, d.lQtyLo+r.IntN(d.lQtyHi-d.lQtyLo+1))
	}
	return x
}

// ddl returns the CREATE TABLE statements of the domain's schema.
func (d *domain) ddl() []string {
	return []string{
		fmt.Sprintf("CREATE TABLE %s (id INTEGER PRIMARY KEY, %s TEXT NOT NULL, %s TEXT NOT NULL)", d.pTable, d.pName, d.pAttr),
		fmt.Sprintf("CREATE TABLE %s (id INTEGER PRIMARY KEY, %s TEXT NOT NULL, %s TEXT NOT NULL, %s INTEGER NOT NULL, %s INTEGER NOT NULL REFERENCES %s(id))", d.eTable, d.eName, d.eCat, d.eNum, d.eFk, d.pTable),
		fmt.Sprintf("CREATE TABLE %s (id INTEGER PRIMARY KEY, %s TEXT NOT NULL, %s TEXT NOT NULL)", d.gTable, d.gName, d.gAttr),
		fmt.Sprintf("CREATE TABLE %s (id INTEGER PRIMARY KEY, %s INTEGER NOT NULL REFERENCES %s(id), %s INTEGER NOT NULL REFERENCES %s(id), %s INTEGER NOT NULL)", d.lTable, d.lG, d.gTable, d.lE, d.eTable, d.lQty),
	}
}

// tableNames and columnNames are the schema's identifiers (lower case).
func (d *domain) tableNames() []string { return []string{d.pTable, d.eTable, d.gTable, d.lTable} }

func (d *domain) columnNames() []string {
	return []string{"id", d.pName, d.pAttr, d.eName, d.eCat, d.eNum, d.eFk, d.gName, d.gAttr, d.lG, d.lE, d.lQty}
}

// build writes the schema and x into a database; ids are 1-based indexes.
func (d *domain) build(x *dbData) func(ctx context.Context, exec func(string, ...any) error) error {
	return func(ctx context.Context, exec func(string, ...any) error) error {
		for _, s := range d.ddl() {
			if err := exec(s); err != nil {
				return err
			}
		}
		ins := func(table string, cols []string, rows int, val func(i int) []any) error {
			q := fmt.Sprintf("INSERT INTO %s (id, %s) VALUES (?%s)", table, strings.Join(cols, ", "), strings.Repeat(", ?", len(cols)))
			for i := range rows {
				if err := exec(q, append([]any{i + 1}, val(i)...)...); err != nil {
					return err
				}
			}
			return nil
		}
		if err := ins(d.pTable, []string{d.pName, d.pAttr}, len(x.pName), func(i int) []any { return []any{x.pName[i], x.pAttr[i]} }); err != nil {
			return err
		}
		if err := ins(d.eTable, []string{d.eName, d.eCat, d.eNum, d.eFk}, len(x.eName), func(i int) []any { return []any{x.eName[i], x.eCat[i], x.eNum[i], x.eP[i] + 1} }); err != nil {
			return err
		}
		if err := ins(d.gTable, []string{d.gName, d.gAttr}, len(x.gName), func(i int) []any { return []any{x.gName[i], x.gAttr[i]} }); err != nil {
			return err
		}
		return ins(d.lTable, []string{d.lG, d.lE, d.lQty}, len(x.lG), func(i int) []any { return []any{x.lG[i] + 1, x.lE[i] + 1, x.lQty[i]} })
	}
}
