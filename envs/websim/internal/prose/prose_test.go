package prose

import "testing"

func TestAndList(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{nil, ""},
		{[]string{"a"}, "a"},
		{[]string{"a", "b"}, "a and b"},
		{[]string{"a", "b", "c"}, "a, b and c"},
	} {
		if got := AndList(tc.in); got != tc.want {
			t.Errorf("AndList(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestArticle(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"engineer", "an engineer"},
		{"Ulvane novel", "an Ulvane novel"},
		{"uv protection jacket", "a uv protection jacket"},
		{"UV lamp", "a UV lamp"},
		{"painter", "a painter"},
		{"", "a "},
	} {
		if got := WithArticle(tc.in); got != tc.want {
			t.Errorf("WithArticle(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
