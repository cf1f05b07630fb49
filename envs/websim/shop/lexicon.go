package shop

// The shop's lexicon: the categories and product types the catalog
// generator draws from, with their attributes, options, prices and the
// words of titles, features and descriptions. The words are chosen so that
// WebShop's fuzzy matching behaves as exact matching on generated products
// (see the package doc and TestShopLexicon): attribute phrases of a pool are
// pairwise below token_set_ratio 86 and none contains another, option
// values of an option are pairwise below 86 after color normalization,
// product texts hold no digits, and every type has title nouns of its own.

// category is a department of the shop: the root of its types'
// breadcrumbs, the attributes its products draw from, and the sentences of
// their descriptions and reviews.
type category struct {
	name       string // "fashion", as in WebShop's categories
	root       string // the first level of product_category
	attributes []attribute
	sentences  []string // description sentences (no digits, no option values, no attribute phrases)
	reviews    []reviewLine
}

// attribute is an attribute phrase (WebShop's Attributes: "water
// resistant", "long lasting") and the feature sentence that states it.
type attribute struct {
	phrase  string
	benefit string
}

// reviewLine is a review text with its score (1 to 5).
type reviewLine struct {
	score int
	text  string
}

// productType is a kind of product: "rain jacket". Its title nouns (type
// words and suffix nouns) belong to it alone, so that WebShop's title score
// between products of different types is 0.
type productType struct {
	cat      int      // index in categories
	attrs    []string // the attributes its products draw from (phrases of the category's)
	name     string   // "rain jacket": in instructions and titles
	plural   bool     // the name is plural or a mass noun: no article before it
	nouns    []string // the nouns of name
	query    string   // WebShop's query: the search the product was listed under
	suffixes []titleSuffix
	options  []optionSpec
	minPrice int // dollars
	maxPrice int
	// extra sentences of the type's descriptions
	lines []string
}

// titleSuffix ends a title ("with Adjustable Hood"); nouns are its nouns.
type titleSuffix struct {
	text  string
	nouns []string
}

// optionSpec is an option of a type (color, size, ...): the values a
// product draws some of, and how an instruction asks for one.
type optionSpec struct {
	name   string
	values []string
	phrase string // fmt pattern of the instruction: "in %s", "size %s"
	min    int    // values per product, at least
	max    int
}

// Option value pools.
var (
	shopColors      = []string{"black", "white", "navy", "olive", "charcoal", "burgundy", "teal", "khaki", "beige", "maroon", "mustard", "lavender", "coral", "ivory", "crimson", "sage", "slate", "plum", "rust", "pink", "purple", "yellow", "grey", "blue"}
	shopTechColors  = []string{"black", "white", "silver", "navy", "grey", "teal", "coral", "lavender", "crimson", "ivory"}
	shopWoodColors  = []string{"walnut", "oak", "white", "black", "grey", "espresso", "natural"}
	shopApparelSize = []string{"x-small", "small", "medium", "large", "x-large", "xx-large"}
	shopShoeSize    = []string{"6", "6.5", "7", "7.5", "8", "8.5", "9", "9.5", "10", "10.5", "11", "11.5", "12", "13"}
)

func colorOption(values []string) optionSpec {
	return optionSpec{name: "color", values: values, phrase: "in %s", min: 2, max: min(6, len(values))}
}

func sizeOption(values []string, min, max int) optionSpec {
	return optionSpec{name: "size", values: values, phrase: "size %s", min: min, max: max}
}

// shopParaphrases are other ways an instruction names an option value
// ("size m" for "medium", "navy blue" for "navy"), as people write them:
// the page shows the value itself, so an agent has to map the words.
var shopParaphrases = map[string][]string{
	"x-small": {"xs", "extra small"}, "small": {"s"}, "medium": {"m"}, "large": {"l"},
	"x-large": {"xl", "extra large"}, "xx-large": {"xxl", "2x large"},
	"navy": {"navy blue"}, "grey": {"gray"}, "olive": {"olive green"}, "crimson": {"crimson red"},
	"pair": {"set of two", "two pack"}, "set of four": {"four pack"}, "set of six": {"six pack"}, "set of three": {"three pack"},
	"box of six": {"six count box"}, "box of eight": {"eight count box"}, "box of twelve": {"twelve count box"},
	"8 ounce": {"8 oz"}, "12 ounce": {"12 oz"}, "16 ounce": {"16 oz"}, "20 ounce": {"20 oz"}, "24 ounce": {"24 oz"},
	"32 ounce": {"32 oz"}, "1 ounce": {"1 oz"}, "1.7 ounce": {"1.7 oz"}, "3.4 ounce": {"3.4 oz"}, "2.6 ounce": {"2.6 oz"},
	"3 ounce": {"3 oz"}, "2 pound": {"2 lb"}, "5 pound": {"5 lb"}, "1 liter": {"1 litre"}, "3 liter": {"3 litre"},
	"twin xl": {"twin extra long"}, "california king": {"cal king"},
}

// shopColorSet is the list normalize_color looks for, in alphabetical
// order: WebShop normalizes an option value to the first of its colors the
// value contains ("navy blue" becomes "blue"). It holds every color the
// generator uses and other common ones.
var shopColorSet = []string{
	"alabaster", "apricot", "aqua", "azure", "beige", "black", "blue", "blush", "bronze", "brown",
	"burgundy", "camel", "caramel", "champagne", "charcoal", "chocolate", "copper", "coral", "cream",
	"crimson", "denim", "emerald", "espresso", "fuchsia", "gold", "gray", "green", "grey", "indigo",
	"ivory", "khaki", "lavender", "lilac", "magenta", "maroon", "mauve", "mustard", "navy", "olive",
	"orange", "peach", "pink", "plum", "purple", "rust", "sage", "silver", "slate", "taupe", "teal",
	"turquoise", "violet", "white", "yellow",
}

var categories = []category{
	{
		name: "fashion", root: "Clothing, Shoes & Jewelry",
		attributes: []attribute{
			{"waterproof", "sealed seams keep out rain and melting snow"},
			{"windproof", "a tight weave blocks gusts on exposed ridges"},
			{"breathable", "vented panels let heat escape on long climbs"},
			{"lightweight", "weighs next to nothing in a daypack"},
			{"packable", "folds into its own pocket for travel"},
			{"quick drying", "sheds moisture fast after a downpour"},
			{"machine washable", "goes straight into the washer on a gentle cycle"},
			{"moisture wicking", "pulls sweat away from the skin"},
			{"insulated", "a warm lining traps body heat on cold mornings"},
			{"uv protection", "a dense knit shields the skin from strong sun"},
			{"reflective trim", "bright accents stand out in headlights at dusk"},
			{"relaxed fit", "a roomy cut leaves space for layers"},
			{"wrinkle resistant", "stays neat straight out of a suitcase"},
			{"slip resistant", "a grippy outsole holds on wet rock"},
			{"arch support", "a contoured footbed supports the arch"},
			{"cushioned", "soft foam absorbs impact on hard ground"},
			{"ankle support", "a padded collar steadies the ankle"},
		},
		sentences: []string{
			"Cut for an easy, comfortable fit on the trail and in town.",
			"Finished with durable stitching that holds up season after season.",
			"A versatile piece for commuting, travel and weekends outdoors.",
			"Designed by outdoor enthusiasts and tested in the mountains.",
			"Pairs well with the rest of the collection.",
			"Care is simple: wash cold and hang to dry.",
		},
		reviews: []reviewLine{
			{5, "Exactly what I hoped for, and it fits true to size."},
			{4, "Well made and comfortable, though it runs a little big."},
			{5, "My second one: I wear it almost every day."},
			{3, "Decent quality for the price, nothing special."},
			{2, "The fit was off for me and I sent it back."},
		},
	},
	{
		name: "electronics", root: "Electronics",
		attributes: []attribute{
			{"noise cancelling", "blocks the hum of trains and planes"},
			{"water resistant", "shrugs off splashes and sweat"},
			{"long battery life", "runs for days between charges"},
			{"fast charging", "tops up in minutes from a wall socket"},
			{"touch control", "a light tap plays, pauses or skips"},
			{"shockproof", "absorbs drops onto hard floors"},
			{"ergonomic", "shaped to rest the hand naturally"},
			{"backlit", "glows softly in a dark room"},
			{"plug and play", "works the moment it is connected"},
			{"low latency", "keeps sound and picture in sync"},
			{"compact", "slips into a jacket pocket"},
			{"dual pairing", "connects to two devices at once"},
			{"wireless charging compatible", "charges on any wireless pad without removing it"},
			{"anti scratch", "a hard coating resists scratches"},
		},
		sentences: []string{
			"Setup takes a minute and needs no extra software.",
			"Built with sturdy materials for everyday use.",
			"Backed by a friendly support team and a generous warranty.",
			"A thoughtful gift for students, travelers and busy professionals.",
			"Works with popular phones, tablets and laptops.",
		},
		reviews: []reviewLine{
			{5, "Works perfectly and was easy to set up."},
			{4, "Great value, though the manual could be clearer."},
			{5, "I use it every day and it has never let me down."},
			{3, "Does the job, but the build feels a bit cheap."},
			{1, "Stopped working after a few weeks."},
		},
	},
	{
		name: "home", root: "Home & Kitchen",
		attributes: []attribute{
			{"easy to clean", "wipes clean with a damp cloth"},
			{"machine washable", "goes straight into the washer on a gentle cycle"},
			{"hypoallergenic", "kind to sensitive skin and allergies"},
			{"easy assembly", "goes together in minutes with the included tool"},
			{"space saving", "fits neatly into tight apartments"},
			{"heavy duty", "a sturdy frame carries a big load"},
			{"leak proof", "a sealed lid keeps bags dry"},
			{"dishwasher safe", "cleans up in the top rack"},
			{"fade resistant", "the colors stay rich wash after wash"},
			{"adjustable height", "raises and lowers to suit any desk"},
			{"dimmable", "the glow can be turned down for reading at night"},
			{"energy efficient", "draws very little power"},
			{"stain resistant", "spills bead up and wipe away"},
			{"insulated", "double walls hold the temperature for hours"},
			{"breathable", "lets air flow for cool, restful sleep"},
			{"wrinkle resistant", "comes out of the dryer smooth"},
			{"ergonomic", "supports the back through long days"},
			{"reversible", "a different look on each side"},
			{"quick drying", "dries quickly between uses"},
			{"bpa free", "made without bisphenol"},
		},
		sentences: []string{
			"Brings a warm, welcoming touch to any room.",
			"Made from carefully chosen materials that last for years.",
			"A simple, timeless design that suits modern and classic homes.",
			"Arrives well packed and ready to use.",
			"A lovely housewarming gift.",
		},
		reviews: []reviewLine{
			{5, "Looks even better than in the pictures."},
			{4, "Solid and attractive, the delivery was quick."},
			{5, "We bought a second one for the guest room."},
			{3, "Fine overall, but the finish has a few flaws."},
			{2, "Not as sturdy as I expected."},
		},
	},
	{
		name: "beauty", root: "Beauty & Personal Care",
		attributes: []attribute{
			{"paraben free", "formulated without parabens"},
			{"cruelty free", "never tested on animals"},
			{"sulfate free", "cleanses without harsh sulfates"},
			{"long lasting", "keeps working through the day"},
			{"natural ingredients", "made with plant oils and butters"},
			{"sensitive skin", "gentle enough for sensitive skin"},
			{"dermatologist tested", "checked by skin doctors for irritation"},
			{"vegan", "contains nothing of animal origin"},
			{"moisturizing", "leaves skin soft and smooth"},
			{"alcohol free", "will not dry out or sting"},
			{"non greasy", "absorbs fast without a slick feel"},
			{"refillable", "the container can be topped up again"},
			{"anti static", "keeps flyaways down"},
			{"heat resistant", "stands up to a hot blow dryer"},
			{"eco friendly", "made from sustainable bamboo"},
		},
		sentences: []string{
			"A gentle everyday essential for the whole family.",
			"Apply as needed and enjoy the fresh, clean feel.",
			"Made in small batches with care.",
			"Suitable for daily use.",
			"Our formulas are developed with care and tested for quality.",
		},
		reviews: []reviewLine{
			{5, "Love it, I have recommended it to all my friends."},
			{4, "Works well and a little goes a long way."},
			{5, "The best one I have tried in years."},
			{3, "It is fine, but I expected more for the price."},
			{2, "Did not agree with my skin."},
		},
	},
	{
		name: "grocery", root: "Grocery & Gourmet Food",
		attributes: []attribute{
			{"organic", "grown without synthetic pesticides"},
			{"gluten free", "made without wheat, barley or rye"},
			{"non gmo", "made from crops that were not genetically modified"},
			{"keto friendly", "low in net carbs"},
			{"fair trade", "farmers are paid a fair price"},
			{"kosher", "certified kosher"},
			{"high protein", "packs plenty of protein in every serving"},
			{"low sodium", "lightly seasoned with little salt"},
			{"vegan", "free of animal products"},
			{"resealable bag", "the zip closure keeps every bite fresh"},
			{"no artificial flavors", "tastes only of real ingredients"},
			{"sugar free", "sweetened without any sugar"},
		},
		sentences: []string{
			"A delicious pantry staple for busy days.",
			"Carefully sourced and packed for freshness.",
			"Enjoy it at breakfast, at lunch or as an afternoon treat.",
			"Store in a cool, dry place.",
			"A favorite of home cooks and food lovers.",
		},
		reviews: []reviewLine{
			{5, "Tastes great, we are already on our third order."},
			{4, "Very good, though a bit pricey."},
			{5, "Fresh and full of flavor."},
			{3, "Okay, but not as tasty as I had hoped."},
			{1, "Arrived stale."},
		},
	},
}

// Categories by index in categories.
const (
	catFashion = iota
	catElectronics
	catHome
	catBeauty
	catGrocery
)

var productTypes = []productType{
	{cat: catFashion, name: "rain jacket", nouns: []string{"rain", "jacket"}, query: "rain jackets", minPrice: 35, maxPrice: 190,
		attrs:    []string{"waterproof", "windproof", "breathable", "lightweight", "packable", "quick drying", "machine washable", "reflective trim", "relaxed fit", "insulated"},
		suffixes: []titleSuffix{{"with Adjustable Hood", []string{"hood"}}, {"Windbreaker Shell", []string{"windbreaker", "shell"}}, {"Outdoor Anorak", []string{"anorak"}}},
		options:  []optionSpec{colorOption(shopColors), sizeOption(shopApparelSize, 3, 6)},
		lines:    []string{"Zippered hand pockets keep essentials close.", "The hem cinches down to seal out drafts."}},
	{cat: catFashion, name: "hiking boots", plural: true, nouns: []string{"hiking", "boots"}, query: "hiking boots", minPrice: 55, maxPrice: 240,
		attrs:    []string{"waterproof", "slip resistant", "arch support", "cushioned", "ankle support", "breathable", "lightweight"},
		suffixes: []titleSuffix{{"for Trekking and Backpacking", []string{"trekking", "backpacking"}}, {"Mid Cut Mountain Shoes", []string{"mountain"}}, {"with Lug Sole", []string{"lug", "sole"}}},
		options:  []optionSpec{colorOption(shopColors[:12]), sizeOption(shopShoeSize, 4, 9)},
		lines:    []string{"A protective toe cap guards against rocks and roots.", "Laces run through sturdy metal eyelets."}},
	{cat: catFashion, name: "running shoes", plural: true, nouns: []string{"running", "shoes"}, query: "running shoes", minPrice: 40, maxPrice: 180,
		attrs:    []string{"lightweight", "breathable", "cushioned", "arch support", "slip resistant", "reflective trim", "machine washable"},
		suffixes: []titleSuffix{{"Road Sneakers", []string{"road", "sneakers"}}, {"for Jogging and Gym Workouts", []string{"jogging", "gym", "workouts"}}, {"Athletic Trainers", []string{"trainers"}}},
		options:  []optionSpec{colorOption(shopColors), sizeOption(shopShoeSize, 4, 9)},
		lines:    []string{"A springy midsole returns energy with every stride.", "The knit upper hugs the foot like a sock."}},
	{cat: catFashion, name: "fleece hoodie", nouns: []string{"fleece", "hoodie"}, query: "fleece hoodies", minPrice: 25, maxPrice: 110,
		attrs:    []string{"machine washable", "moisture wicking", "insulated", "relaxed fit", "lightweight", "breathable", "wrinkle resistant"},
		suffixes: []titleSuffix{{"Pullover Sweatshirt", []string{"pullover", "sweatshirt"}}, {"with Kangaroo Pocket", []string{"kangaroo", "pocket"}}, {"Full Zip Layer", []string{"zip", "layer"}}},
		options:  []optionSpec{colorOption(shopColors), sizeOption(shopApparelSize, 3, 6)},
		lines:    []string{"Brushed on the inside for a cozy feel.", "Ribbed cuffs hold their shape."}},
	{cat: catFashion, name: "cargo pants", plural: true, nouns: []string{"cargo", "pants"}, query: "cargo pants", minPrice: 30, maxPrice: 120,
		attrs:    []string{"quick drying", "wrinkle resistant", "relaxed fit", "uv protection", "machine washable", "breathable", "windproof", "lightweight"},
		suffixes: []titleSuffix{{"Work Trousers", []string{"work", "trousers"}}, {"with Utility Pockets", []string{"utility", "pockets"}}, {"Tapered Chinos", []string{"chinos"}}},
		options:  []optionSpec{colorOption(shopColors[:14]), sizeOption(shopApparelSize, 3, 6)},
		lines:    []string{"Deep side pockets close with snaps.", "A gusseted crotch gives freedom to move."}},
	{cat: catFashion, name: "wool socks", plural: true, nouns: []string{"wool", "socks"}, query: "wool socks", minPrice: 12, maxPrice: 45,
		attrs:    []string{"moisture wicking", "cushioned", "arch support", "breathable", "machine washable", "insulated"},
		suffixes: []titleSuffix{{"Crew Length", []string{"crew", "length"}}, {"for Winter Hikes", []string{"winter", "hikes"}}, {"Thermal Knit", []string{"thermal", "knit"}}},
		options:  []optionSpec{colorOption(shopColors[:10]), sizeOption(shopApparelSize[1:4], 2, 3)},
		lines:    []string{"Merino yarn stays warm even when damp.", "Reinforced heels and toes last longer."}},
	{cat: catFashion, name: "baseball cap", nouns: []string{"baseball", "cap"}, query: "baseball caps", minPrice: 12, maxPrice: 40,
		attrs:    []string{"uv protection", "quick drying", "breathable", "moisture wicking", "machine washable", "lightweight", "packable"},
		suffixes: []titleSuffix{{"Dad Hat", []string{"dad", "hat"}}, {"with Curved Brim", []string{"brim"}}, {"Trucker Style Visor", []string{"trucker", "style", "visor"}}},
		options:  []optionSpec{colorOption(shopColors)},
		lines:    []string{"An adjustable strap fits most heads.", "The crown keeps its shape wear after wear."}},

	{cat: catElectronics, name: "wireless earbuds", plural: true, nouns: []string{"earbuds"}, query: "wireless earbuds", minPrice: 20, maxPrice: 250,
		attrs:    []string{"noise cancelling", "water resistant", "long battery life", "fast charging", "touch control", "low latency", "compact", "dual pairing"},
		suffixes: []titleSuffix{{"with Charging Cradle", []string{"charging", "cradle"}}, {"In Ear Headphones", []string{"ear", "headphones"}}, {"Stereo Earphones", []string{"stereo", "earphones"}}},
		options:  []optionSpec{colorOption(shopTechColors)},
		lines:    []string{"Soft silicone tips come in three fits.", "Rich bass and clear highs fill every playlist."}},
	{cat: catElectronics, name: "bluetooth speaker", nouns: []string{"bluetooth", "speaker"}, query: "bluetooth speakers", minPrice: 25, maxPrice: 200,
		attrs:    []string{"water resistant", "long battery life", "fast charging", "shockproof", "compact", "dual pairing", "low latency"},
		suffixes: []titleSuffix{{"Portable Boombox", []string{"boombox"}}, {"with Deep Bass", []string{"bass"}}, {"for Party and Camping", []string{"party", "camping"}}},
		options:  []optionSpec{colorOption(shopTechColors)},
		lines:    []string{"Room filling sound from a tiny body.", "A sturdy loop makes it easy to carry."}},
	{cat: catElectronics, name: "phone case", nouns: []string{"phone", "case"}, query: "phone cases", minPrice: 9, maxPrice: 45,
		attrs:    []string{"shockproof", "water resistant", "compact", "wireless charging compatible", "anti scratch", "ergonomic"},
		suffixes: []titleSuffix{{"Slim Protective Cover", []string{"cover"}}, {"with Raised Bezel", []string{"bezel"}}, {"Clear Bumper Shell", []string{"bumper"}}},
		options:  []optionSpec{colorOption(shopTechColors)},
		lines:    []string{"Precise cutouts leave every button easy to reach.", "A grippy edge keeps it secure in the hand."}},
	{cat: catElectronics, name: "mechanical keyboard", nouns: []string{"keyboard"}, query: "mechanical keyboards", minPrice: 35, maxPrice: 190,
		attrs:    []string{"backlit", "plug and play", "ergonomic", "compact", "low latency", "dual pairing", "water resistant"},
		suffixes: []titleSuffix{{"for Gaming and Typing", []string{"gaming", "typing"}}, {"Tenkeyless Layout", []string{"tenkeyless", "layout"}}, {"with Detachable Cable", []string{"cable"}}},
		options: []optionSpec{colorOption(shopTechColors[:5]),
			{name: "switch", values: []string{"linear", "tactile", "clicky"}, phrase: "with %s switches", min: 2, max: 3}},
		lines: []string{"Every key is rated for millions of presses.", "Keycaps are easy to swap."}},
	{cat: catElectronics, name: "wireless mouse", nouns: []string{"mouse"}, query: "wireless mice", minPrice: 12, maxPrice: 90,
		attrs:    []string{"ergonomic", "plug and play", "long battery life", "compact", "dual pairing", "low latency", "backlit"},
		suffixes: []titleSuffix{{"with Silent Clicks", []string{"clicks"}}, {"Optical Tracking", []string{"tracking"}}, {"for Laptop and Desktop", []string{"laptop", "desktop"}}},
		options:  []optionSpec{colorOption(shopTechColors)},
		lines:    []string{"Glides smoothly on most surfaces.", "A tiny receiver tucks into the body."}},

	{cat: catHome, name: "throw pillow", nouns: []string{"throw", "pillow"}, query: "throw pillows", minPrice: 14, maxPrice: 70,
		attrs:    []string{"machine washable", "hypoallergenic", "fade resistant", "stain resistant", "easy to clean", "reversible"},
		suffixes: []titleSuffix{{"Decorative Cushion", []string{"cushion"}}, {"for Couch and Sofa", []string{"couch", "sofa"}}, {"with Hidden Zipper", []string{"zipper"}}},
		options:  []optionSpec{colorOption(shopColors), sizeOption(shopApparelSize[1:4], 2, 3)},
		lines:    []string{"A generous insert keeps its loft.", "Piped edges give a tailored look."}},
	{cat: catHome, name: "bed sheets", plural: true, nouns: []string{"bed", "sheets"}, query: "bed sheets", minPrice: 30, maxPrice: 160,
		attrs:    []string{"machine washable", "hypoallergenic", "fade resistant", "breathable", "wrinkle resistant", "stain resistant"},
		suffixes: []titleSuffix{{"with Deep Fitted Corners", []string{"corners"}}, {"Percale Bedding", []string{"percale", "bedding"}}, {"Sateen Linens", []string{"sateen", "linens"}}},
		options: []optionSpec{colorOption(shopColors[:12]),
			sizeOption([]string{"twin", "twin xl", "queen", "king", "california king"}, 3, 5)},
		lines: []string{"Elastic all around keeps the fitted sheet in place.", "Grows softer with every wash."}},
	{cat: catHome, name: "office chair", nouns: []string{"office", "chair"}, query: "office chairs", minPrice: 70, maxPrice: 420,
		attrs:    []string{"ergonomic", "adjustable height", "easy assembly", "heavy duty", "breathable", "easy to clean"},
		suffixes: []titleSuffix{{"with Lumbar Cushion", []string{"lumbar"}}, {"Swivel Task Seat", []string{"swivel", "task", "seat"}}, {"Mesh Executive Throne", []string{"mesh", "executive", "throne"}}},
		options:  []optionSpec{colorOption(shopTechColors[:6])},
		lines:    []string{"Smooth casters roll quietly on any floor.", "The tilt tension suits any posture."}},
	{cat: catHome, name: "travel mug", nouns: []string{"travel", "mug"}, query: "travel mugs", minPrice: 12, maxPrice: 45,
		attrs:    []string{"leak proof", "insulated", "dishwasher safe", "easy to clean", "stain resistant", "bpa free"},
		suffixes: []titleSuffix{{"Stainless Steel Tumbler", []string{"stainless", "steel", "tumbler"}}, {"with Sliding Lid", []string{"lid"}}, {"Commuter Flask", []string{"commuter", "flask"}}},
		options: []optionSpec{colorOption(shopColors[:16]),
			sizeOption([]string{"12 ounce", "16 ounce", "20 ounce", "24 ounce"}, 2, 4)},
		lines: []string{"Fits most car cup holders.", "The wide mouth takes ice cubes easily."}},
	{cat: catHome, name: "bath towel", nouns: []string{"bath", "towel"}, query: "bath towels", minPrice: 15, maxPrice: 80,
		attrs:    []string{"machine washable", "hypoallergenic", "fade resistant", "quick drying", "stain resistant", "reversible"},
		suffixes: []titleSuffix{{"Plush Cotton Terry", []string{"cotton", "terry"}}, {"Spa Quality Wrap", []string{"spa", "quality", "wrap"}}, {"with Hanging Loop", []string{"loop"}}},
		options: []optionSpec{colorOption(shopColors[:14]),
			{name: "pack", values: []string{"single", "pair", "set of four", "set of six"}, phrase: "as a %s", min: 2, max: 4}},
		lines: []string{"Thirsty loops soak up water fast.", "Double stitched hems resist fraying."}},
	{cat: catHome, name: "bookshelf", nouns: []string{"bookshelf"}, query: "bookshelves", minPrice: 45, maxPrice: 300,
		attrs:    []string{"easy assembly", "space saving", "heavy duty", "easy to clean", "stain resistant", "fade resistant"},
		suffixes: []titleSuffix{{"Open Storage Unit", []string{"storage", "unit"}}, {"Display Rack", []string{"display", "rack"}}, {"with Cubby Shelves", []string{"cubby", "shelves"}}},
		options:  []optionSpec{colorOption(shopWoodColors)},
		lines:    []string{"Anti tip hardware is included.", "Each shelf holds a row of heavy books."}},
	{cat: catHome, name: "desk lamp", nouns: []string{"desk", "lamp"}, query: "desk lamps", minPrice: 18, maxPrice: 95,
		attrs:    []string{"dimmable", "energy efficient", "adjustable height", "space saving", "easy assembly", "easy to clean"},
		suffixes: []titleSuffix{{"with Flexible Gooseneck", []string{"gooseneck"}}, {"Reading Light", []string{"reading", "light"}}, {"Architect Task Lighting", []string{"architect", "lighting"}}},
		options:  []optionSpec{colorOption(shopTechColors[:6])},
		lines:    []string{"The head turns to aim the beam.", "A weighted base keeps it steady."}},

	{cat: catBeauty, name: "shampoo", plural: true, nouns: []string{"shampoo"}, query: "shampoos", minPrice: 8, maxPrice: 40,
		attrs:    []string{"paraben free", "sulfate free", "cruelty free", "natural ingredients", "vegan", "moisturizing", "sensitive skin", "dermatologist tested"},
		suffixes: []titleSuffix{{"for Dry and Damaged Locks", []string{"locks"}}, {"Clarifying Wash", []string{"wash"}}, {"Salon Formula", []string{"salon", "formula"}}},
		options: []optionSpec{
			{name: "scent", values: []string{"lavender", "eucalyptus", "citrus", "coconut", "rosemary", "unscented", "vanilla"}, phrase: "with %s scent", min: 2, max: 5},
			sizeOption([]string{"8 ounce", "12 ounce", "16 ounce", "32 ounce"}, 2, 4)},
		lines: []string{"Lathers richly and rinses clean.", "Leaves hair shiny and manageable."}},
	{cat: catBeauty, name: "face moisturizer", nouns: []string{"face", "moisturizer"}, query: "face moisturizers", minPrice: 10, maxPrice: 65,
		attrs:    []string{"paraben free", "cruelty free", "non greasy", "moisturizing", "sensitive skin", "dermatologist tested", "alcohol free", "natural ingredients"},
		suffixes: []titleSuffix{{"Daily Cream", []string{"cream"}}, {"Hydrating Lotion", []string{"lotion"}}, {"with Hyaluronic Acid", []string{"acid"}}},
		options: []optionSpec{
			{name: "scent", values: []string{"unscented", "cucumber", "rose water", "green apple"}, phrase: "with %s scent", min: 2, max: 4},
			sizeOption([]string{"1 ounce", "1.7 ounce", "3.4 ounce"}, 2, 3)},
		lines: []string{"Sinks in quickly under makeup.", "A light texture for morning and night."}},
	{cat: catBeauty, name: "lip balm", nouns: []string{"lip", "balm"}, query: "lip balms", minPrice: 4, maxPrice: 20,
		attrs:    []string{"moisturizing", "natural ingredients", "long lasting", "vegan", "cruelty free", "paraben free"},
		suffixes: []titleSuffix{{"Tinted Chapstick", []string{"chapstick"}}, {"Nourishing Butter Stick", []string{"butter", "stick"}}, {"Overnight Mask", []string{"mask"}}},
		options: []optionSpec{
			{name: "flavor", values: []string{"cherry", "honey", "watermelon", "peppermint", "coconut", "vanilla"}, phrase: "in %s flavor", min: 2, max: 5},
			{name: "pack", values: []string{"single", "set of three", "set of six"}, phrase: "as a %s", min: 2, max: 3}},
		lines: []string{"Glides on smoothly.", "Fits in any purse or pocket."}},
	{cat: catBeauty, name: "deodorant", plural: true, nouns: []string{"deodorant"}, query: "deodorants", minPrice: 6, maxPrice: 25,
		attrs:    []string{"long lasting", "alcohol free", "natural ingredients", "sensitive skin", "cruelty free", "vegan", "refillable", "paraben free"},
		suffixes: []titleSuffix{{"Aluminum Free Stick", []string{"aluminum"}}, {"for Men and Women", []string{"men", "women"}}, {"Odor Protection", []string{"odor", "protection"}}},
		options: []optionSpec{
			{name: "scent", values: []string{"lavender", "citrus", "cedarwood", "unscented", "eucalyptus", "coconut"}, phrase: "with %s scent", min: 2, max: 5},
			sizeOption([]string{"2.6 ounce", "3 ounce", "3.4 ounce"}, 2, 3)},
		lines: []string{"Goes on clear without white marks.", "Fresh from morning to evening."}},
	{cat: catBeauty, name: "hair brush", nouns: []string{"hair", "brush"}, query: "hair brushes", minPrice: 8, maxPrice: 45,
		attrs:    []string{"anti static", "heat resistant", "eco friendly", "vegan", "cruelty free", "sensitive skin"},
		suffixes: []titleSuffix{{"Detangling Paddle", []string{"paddle"}}, {"with Boar Bristles", []string{"boar", "bristles"}}, {"Styling Comb Set", []string{"comb", "set"}}},
		options:  []optionSpec{colorOption(shopColors[:12])},
		lines:    []string{"Flexible bristles glide through knots.", "A comfortable handle for a firm grip."}},

	{cat: catGrocery, name: "coffee beans", plural: true, nouns: []string{"coffee", "beans"}, query: "coffee beans", minPrice: 9, maxPrice: 45,
		attrs:    []string{"organic", "fair trade", "non gmo", "kosher", "resealable bag", "no artificial flavors"},
		suffixes: []titleSuffix{{"Whole Bean Arabica", []string{"bean", "arabica"}}, {"Single Origin Blend", []string{"origin", "blend"}}, {"Barista Reserve", []string{"barista", "reserve"}}},
		options: []optionSpec{
			{name: "roast", values: []string{"light roast", "medium roast", "dark roast", "espresso roast"}, phrase: "in %s", min: 2, max: 4},
			sizeOption([]string{"12 ounce", "2 pound", "5 pound"}, 2, 3)},
		lines: []string{"Notes of cocoa, berries and caramel in every cup.", "Grind just before brewing for the best taste."}},
	{cat: catGrocery, name: "green tea", plural: true, nouns: []string{"green", "tea"}, query: "green tea", minPrice: 5, maxPrice: 30,
		attrs:    []string{"organic", "non gmo", "kosher", "fair trade", "sugar free", "no artificial flavors", "vegan"},
		suffixes: []titleSuffix{{"Loose Leaf Sencha", []string{"leaf", "sencha"}}, {"Matcha Infusion", []string{"matcha", "infusion"}}, {"in Pyramid Sachets", []string{"pyramid", "sachets"}}},
		options: []optionSpec{
			{name: "flavor", values: []string{"jasmine", "mint", "ginger", "lemongrass", "plain"}, phrase: "in %s flavor", min: 2, max: 4},
			sizeOption([]string{"20 count", "50 count", "100 count"}, 2, 3)},
		lines: []string{"Steep for two minutes in hot, not boiling, water.", "A calm companion for quiet afternoons."}},
	{cat: catGrocery, name: "protein bars", plural: true, nouns: []string{"protein", "bars"}, query: "protein bars", minPrice: 10, maxPrice: 45,
		attrs:    []string{"high protein", "gluten free", "keto friendly", "non gmo", "sugar free", "vegan", "kosher", "no artificial flavors"},
		suffixes: []titleSuffix{{"Chewy Squares", []string{"squares"}}, {"Energy Bites", []string{"energy", "bites"}}, {"Meal Replacement", []string{"meal", "replacement"}}},
		options: []optionSpec{
			{name: "flavor", values: []string{"chocolate", "peanut butter", "cookie dough", "salted caramel", "blueberry", "lemon"}, phrase: "in %s flavor", min: 2, max: 5},
			{name: "pack", values: []string{"box of six", "box of eight", "box of twelve"}, phrase: "as a %s", min: 2, max: 3}},
		lines: []string{"Chewy, satisfying and easy to carry.", "Great after a workout or on a long drive."}},
	{cat: catGrocery, name: "olive oil", plural: true, nouns: []string{"olive", "oil"}, query: "olive oil", minPrice: 9, maxPrice: 55,
		attrs:    []string{"organic", "non gmo", "kosher", "vegan", "gluten free", "low sodium"},
		suffixes: []titleSuffix{{"Extra Virgin Cold Pressed", []string{"virgin"}}, {"Mediterranean Harvest", []string{"harvest"}}, {"in Tin Can", []string{"tin", "can"}}},
		options:  []optionSpec{sizeOption([]string{"250 ml", "500 ml", "750 ml", "1 liter", "3 liter"}, 2, 5)},
		lines:    []string{"Peppery and bright, lovely on salads.", "Harvested early for a green, grassy taste."}},
	{cat: catGrocery, name: "trail mix", plural: true, nouns: []string{"trail", "mix"}, query: "trail mix", minPrice: 6, maxPrice: 35,
		attrs:    []string{"resealable bag", "gluten free", "vegan", "low sodium", "organic", "high protein", "non gmo", "kosher"},
		suffixes: []titleSuffix{{"Nut Medley", []string{"nut", "medley"}}, {"with Dried Fruit", []string{"fruit"}}, {"Snack Packs", []string{"packs"}}},
		options: []optionSpec{
			{name: "flavor", values: []string{"classic", "tropical", "sweet and salty", "dark cocoa", "maple pecan"}, phrase: "in %s flavor", min: 2, max: 4},
			{name: "pack", values: []string{"box of six", "box of eight", "box of twelve"}, phrase: "as a %s", min: 2, max: 3}},
		lines: []string{"Crunchy almonds, cashews and seeds in every handful.", "Perfect for hikes, road trips and lunch boxes."}},
}

// Brand names are a start, a middle and an end.
var (
	shopBrandStarts  = []string{"Al", "Bel", "Cor", "Dun", "El", "Fen", "Gal", "Hal", "Isk", "Jor", "Kel", "Lum", "Mer", "Nor", "Or", "Pel", "Quin", "Sel", "Tor", "Ul", "Ver", "Wen", "Yar", "Zen", "Arv", "Brix", "Cal", "Dov", "Ev", "Fal", "Grim", "Hov", "Kor", "Lin", "Mav", "Nix", "Oz", "Prav", "Riv", "Sov", "Thal", "Vex", "Wyn", "Zor"}
	shopBrandMiddles = []string{"", "a", "el", "or", "in"}
	shopBrandEnds    = []string{"ara", "ex", "ia", "ix", "on", "ora", "us", "o", "vik", "ana", "eth", "ly", "um", "is", "ova", "ent", "ax", "ica"}
)
