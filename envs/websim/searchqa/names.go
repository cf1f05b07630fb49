package searchqa

import (
	"math/rand/v2"
	"slices"
	"strings"
)

// Word lists of the world generator. Names of people, places and
// organisations are invented from syllables, so a model cannot know the
// facts of a world before searching it.

var givenNames = strings.Fields(`Ada Adrian Agnes Aiko Alba Alec Amara Anders Anika Anton Arjun Astrid
Aurelio Beatrix Benedikt Bianca Bram Camille Carmen Cecil Celeste Clara Conrad Dagny Dalia Darius
Edda Elias Elif Emil Enzo Esme Ezra Farah Felix Freya Gideon Greta Hana Hector Hugo Ida Ilse Imre
Ines Ingrid Isak Ivo Jana Jasper Joaquin Jonas Jun Kaia Kasimir Kenji Lars Leila Lena Leon Lidia
Linus Lorenzo Luca Magnus Mara Marek Mateo Mila Milo Mira Nadia Nikolai Nils Noor Olga Oren Oskar
Otto Paloma Pavel Petra Priya Quentin Rafael Rania Ravi Rosa Rui Sabine Saskia Selma Silas Sofia
Stellan Tamsin Teodor Thea Tobias Ulla Valentin Vera Viggo Wanda Xavier Yara Yusuf Zara Zoltan`)

var surnameStems = strings.Fields(`Kal Bren Dor Fal Gar Hol Jas Kess Lind Marr Nov Orl Pell Quar Rask Sarr
Tall Ulm Vass Wend Yor Zar Ash Bal Cor Dran Ess Fenn Grav Harl Ist Jorr Kell Lorr Mald Ness Ott Prav
Rell Strom Tev Ull Varg Wick Brack Cald Dusk Elm Frost Glen Hask Ivar Kern Lask Morv Nard Osk Penn Rook
Sand Thorn Vell`)

var surnameMids = strings.Fields(`a e i o an en il or ar`)

var surnameEnds = strings.Fields(`vane ova sen strom ez ini ard ek ovic ley ton berg man ski ander eau
ell ias is ino son quist holm dottir enko ari`)

var placeStems = strings.Fields(`Varn Quell Ost Bel Dun Hal Kes Lor Mar Nor Pel Rav Sel Tam Ul Vel Wyn Yar
Zel Ash Brim Cor Drav Elm Fen Gal Har Ivel Jor Kal Lyn Mor Nest Orr Pry Ril Sten Thal Ur Vor Wil Aven
Bry Cael Dern Esk Fal Grim Hest`)

var placeMids = strings.Fields(`a en il or an er o is`)

var placeEnds = strings.Fields(`holt mere ford wick stead haven dale by thorpe burg ton moor field gate
crest bridge mouth well port vale ness ridge wood minster cliff brook hollow reach`)

var countryEnds = strings.Fields(`ia land mark ora avia onia esia istan and ovia`)

var occupations = strings.Fields(`chemist painter engineer economist architect physicist historian pilot
botanist mathematician sculptor lawyer diplomat surgeon astronomer photographer geologist cartographer`)

// Creators of works: novelists, directors and musicians.
var creatorJobs = map[string][]string{
	"novel": {"novelist", "poet", "journalist"},
	"film":  {"film director", "screenwriter"},
	"album": {"composer", "singer", "guitarist"},
}

var workKinds = []string{"novel", "film", "album"}

var genres = map[string][]string{
	"novel": {"mystery", "science fiction", "historical", "romance", "fantasy", "satirical"},
	"film":  {"drama", "comedy", "thriller", "documentary", "western", "animated"},
	"album": {"jazz", "folk", "electronic", "opera", "rock", "ambient"},
}

// Organisations by industry: the words their names end in, and the kind of
// work they publish ("" for none).
type industry struct {
	name     string
	suffixes []string
	publish  string
}

var industries = []industry{
	{"chemicals", []string{"Chemicals", "Chemical Works"}, ""},
	{"software", []string{"Systems", "Software", "Labs"}, ""},
	{"publishing", []string{"Press", "Books", "Publishing"}, "novel"},
	{"film", []string{"Pictures", "Studios", "Films"}, "film"},
	{"music", []string{"Records", "Music", "Sound"}, "album"},
	{"banking", []string{"Bank", "Capital", "Trust"}, ""},
	{"aviation", []string{"Airways", "Aviation"}, ""},
	{"food", []string{"Foods", "Bakeries", "Dairies"}, ""},
	{"engineering", []string{"Engineering", "Dynamics", "Works"}, ""},
	{"shipping", []string{"Shipping", "Lines", "Freight"}, ""},
	{"education", []string{"University", "Institute of Technology", "College"}, ""},
}

const educationIndustry = "education"

func industryIndex(name string) int {
	return slices.IndexFunc(industries, func(x industry) bool { return x.name == name })
}

var legalForms = []string{"Ltd", "Group", "plc", "AG", "Inc."}

var titleAdjectives = strings.Fields(`Glass Silent Hollow Crimson Distant Golden Iron Quiet Broken Bright
Last Northern Salt Paper Velvet Burning Frozen Hidden Lonely Amber Copper Wild Winter Summer Shallow
Silver Bitter Endless Gentle Narrow Pale Restless Scarlet Secret Slow Sudden Tender Violet Wandering
Weary Ancient Brief Careless Fading Fragile Lost Midnight Orchard Patient`)

var titleNouns = strings.Fields(`Orchard Meridian Harbour Lantern River Garden Mirror Island Tower
Letter Station Season Engine Forest Window Bridge Voyage Archive Chorus Compass Lighthouse Mountain
Promise Shadow Signal Sparrow Theatre Tide Valley Village Wanderer Atlas Border Cathedral Comet
Desert Empire Feather Frontier Glacier Heron Horizon Kingdom Labyrinth Monsoon Observatory Orchid
Pilgrim Quarry Rain Sanctuary Telegraph Threshold Harvest Canal Citadel`)

var eventAdjectives = strings.Fields(`Silver Northern Golden Iron Crimson Amber Grand Royal Coastal Highland
Midsummer Winter Harbour Open Copper Ivory Jade Emerald Sapphire Obsidian Cobalt Autumn Spring Eastern
Western Southern Lakeside Riverside Valley Granite`)

var eventNouns = strings.Fields(`Heron Lantern Falcon Oak Anchor Comet Stag Lion Crane Wolf Raven Orchid
Lotus Harp Compass Tide Beacon Summit Crown Star Arrow Swan Fox Bear Eagle`)

var eventTypes = strings.Fields(`Regatta Marathon Cup Prize Open Tournament Rally Derby Challenge Classic`)

// fillers give pages sentences that state no fact of the world, so pages
// differ in length and wording as real ones do.
var fillers = []string{
	"%s is often mentioned in regional newspapers.",
	"Little has been written about the early years of %s.",
	"A short profile of %s appeared in a trade journal.",
	"%s features in several local history collections.",
	"The archives hold a number of photographs of %s.",
	"Visitors sometimes confuse %s with places and people of similar names.",
	"A biography of %s has long been planned but never published.",
	"Opinions about %s differ among critics.",
}

// syllableName draws stem [mid] end, capitalised.
func syllableName(r *rand.Rand, stems, mids, ends []string, midChance float64) string {
	s := stems[r.IntN(len(stems))]
	if r.Float64() < midChance {
		s += mids[r.IntN(len(mids))]
	}
	return s + ends[r.IntN(len(ends))]
}

func pickOne[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// numberWords spells 0..20, for the aliases of small numeric answers.
var numberWords = strings.Fields(`zero one two three four five six seven eight nine ten eleven twelve
thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty`)
