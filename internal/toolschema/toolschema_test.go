package toolschema

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	s := MustCompile("transfer", []byte(`{"type":"object","properties":{"amount":{"type":"number","minimum":0},"to":{"type":"string"}},"required":["to"],"additionalProperties":false}`))
	for _, c := range []struct {
		args string
		want []string // "" for valid
	}{
		{`{"to":"bob","amount":3}`, nil},
		{` null `, []string{"arguments: missing property 'to'"}},
		{``, []string{"arguments: missing property 'to'"}},
		{`{"to":7,"amount":-1,"x":1}`, []string{"argument amount:", "argument to:", "additional properties 'x'"}},
	} {
		v, err := Decode([]byte(c.args))
		if err != nil {
			t.Fatalf("Decode(%q): %v", c.args, err)
		}
		err = Check(s, v)
		if c.want == nil {
			if err != nil {
				t.Errorf("%s: %v", c.args, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: valid", c.args)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q lacks %q", c.args, err, w)
			}
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: the message is not one line: %q", c.args, err)
		}
	}
	if _, err := Decode([]byte(`{"a":`)); err == nil {
		t.Error("Decode of broken JSON succeeded")
	}
	if _, err := Compile("bad", []byte(`{"type":"nope"}`)); err == nil || !strings.Contains(err.Error(), "schema of bad") {
		t.Errorf("Compile of a bad schema: %v", err)
	}
}
